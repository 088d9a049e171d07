-- The minimal SQL of GET /memory/next: the user, today's review count, the due items, the fetch analytics event.
\set i random(1, 1000)
SELECT timezone, analytics_consent FROM "user" WHERE id = md5(:i::text)::uuid;
SELECT count(*) FROM reviewlog WHERE user_id = md5(:i::text)::uuid AND reviewed_at >= date_trunc('day', now());
SELECT id, concept, due_at FROM memoryitem WHERE user_id = md5(:i::text)::uuid AND due_at <= now() ORDER BY due_at LIMIT 10;
INSERT INTO analyticsevent (id, user_id, kind, payload, ts) VALUES (gen_random_uuid(), md5(:i::text)::uuid, 'memory.review_fetch', '{"count":10}', now());
