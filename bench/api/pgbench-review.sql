-- The minimal SQL of POST /memory/review: lock the user and the item, update the item, insert the review log, the
-- XP event and two analytics events, count today's reviews, update the streak.
\set i random(1, 1000)
\set c random(1, 20)
BEGIN;
SELECT id FROM "user" WHERE id = md5(:i::text)::uuid FOR NO KEY UPDATE;
SELECT ease, "interval", due_at, stability, difficulty, lapses FROM memoryitem WHERE id = md5(:i::text || ':' || :c::text)::uuid FOR NO KEY UPDATE;
UPDATE memoryitem SET ease = 2.6, "interval" = 3, due_at = now() + interval '3 days', stability = 3 WHERE id = md5(:i::text || ':' || :c::text)::uuid;
INSERT INTO reviewlog (id, user_id, memory_id, grade, scheduled_for, reviewed_at, next_due_at, delta_seconds) VALUES (gen_random_uuid(), md5(:i::text)::uuid, md5(:i::text || ':' || :c::text)::uuid, 4, now(), now(), now() + interval '3 days', 0);
SELECT count(*) FROM reviewlog WHERE user_id = md5(:i::text)::uuid AND reviewed_at >= date_trunc('day', now());
SELECT grade FROM reviewlog WHERE memory_id = md5(:i::text || ':' || :c::text)::uuid ORDER BY reviewed_at DESC LIMIT 3;
INSERT INTO xpevent (id, user_id, amount, reason, ts) VALUES (gen_random_uuid(), md5(:i::text)::uuid, 10, 'review', now());
INSERT INTO analyticsevent (id, user_id, kind, payload, ts) VALUES (gen_random_uuid(), md5(:i::text)::uuid, 'xp.awarded', '{"total":10}', now());
INSERT INTO analyticsevent (id, user_id, kind, payload, ts) VALUES (gen_random_uuid(), md5(:i::text)::uuid, 'memory.review_logged', '{"grade":4}', now());
UPDATE "user" SET streak_days = streak_days WHERE id = md5(:i::text)::uuid;
COMMIT;
