-- 10k v2 users (id = md5(i)::uuid), each with 20 memory items due now, plus their legacy counterparts
-- (external_user_id = the uuid) and review cards, so the dual-write mirror has rows to update.
\set users 10000
INSERT INTO "user" (id, created_at, timezone, streak_days, is_pro, analytics_consent, is_institution_admin, persona)
SELECT md5(i::text)::uuid, now(), 'Europe/Helsinki', 0, false, true, false, 'calm' FROM generate_series(1, :users) i;
INSERT INTO memoryitem (id, user_id, concept, ease, "interval", due_at, stability, difficulty, lapses)
SELECT md5(i::text || ':' || c)::uuid, md5(i::text)::uuid, 'concept-' || c, 2.5, 1, now() - interval '1 hour', 0, 0.3, 0
FROM generate_series(1, :users) i, generate_series(1, 20) c;

INSERT INTO legacy_user_map (legacy_user_id, user_id) SELECT i, md5(i::text)::uuid FROM generate_series(1, :users) i;
ANALYZE;
