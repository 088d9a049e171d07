-- Seeds each wrk thread's random numbers differently. wrk runs one Lua state per thread and creates them all in the
-- same second, so seeding with os.time() alone gave every thread the SAME sequence: the threads asked for the same
-- user (and item) at about the same moment, and their requests queued on each other's row locks, which real clients
-- (and pgbench's independent clients) do not do. setup() runs in wrk's main state once per thread; init() in the thread.
local created = 0
function setup(thread)
  created = created + 1
  thread:set("thread_no", created)
end
function init(args)
  math.randomseed(os.time() * 1000 + (thread_no or 0))
end
