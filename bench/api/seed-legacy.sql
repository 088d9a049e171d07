\set users 10000
INSERT INTO "user" (id, external_user_id, email, hashed_password, role, created_at, onboarded)
SELECT i, md5(i::text)::uuid::text, 'bench' || i || '@example.com', '', 'STUDENT', now(), false FROM generate_series(1, :users) i;
INSERT INTO review_cards (user_id, template_code, easiness, stability, last_interval_days, next_review_at, status, updated_at)
SELECT i, 'concept-' || c, 2.3, 0.3, 0, now(), 'scheduled', now() FROM generate_series(1, :users) i, generate_series(1, 20) c;
ANALYZE;
