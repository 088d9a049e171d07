-- Runs the scenario named by $SCENARIO (a bench/api/*.lua file) at a paced rate: each connection waits
-- $DELAY_MS between a response and its next request, so C connections offer about C * 1000 / DELAY_MS req/s.
-- wrk has no open-loop mode (wrk2 is not in Debian): this is a closed loop with think time, so a stall delays the
-- requests behind it instead of counting them late (coordinated omission); read p99 as a lower bound.
dofile(os.getenv("SCENARIO"))
local pause = tonumber(os.getenv("DELAY_MS") or "10")
delay = function()
  return pause
end
