-- Runs the scenario named by $SCENARIO (a bench/api/*.lua file) at a paced rate: each connection waits a think time
-- of mean $DELAY_MS between a response and its next request, so C connections offer about C * 1000 / DELAY_MS req/s.
-- The think time is drawn from an exponential distribution (PACE=exp, the default), so 16 connections make arrivals
-- close to a Poisson process, the usual model of many independent clients. PACE=fixed waits exactly $DELAY_MS (the
-- bench's pacing up to the tenth session): connections that a stall released together then fire together again one
-- think time later, so a stall echoes through the following cycles.
-- wrk has no open-loop mode (wrk2 is not in Debian): this is a closed loop with think time, so a stall delays the
-- requests behind it instead of counting them late (coordinated omission); read p99 as a lower bound.
dofile(os.getenv("SCENARIO"))
local pause = tonumber(os.getenv("DELAY_MS") or "10")
if (os.getenv("PACE") or "exp") == "fixed" then
  delay = function()
    return pause
  end
else
  delay = function()
    return math.floor(-math.log(1 - math.random()) * pause + 0.5)
  end
end
