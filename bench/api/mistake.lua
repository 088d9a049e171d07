-- POST /memory/mistake: a random seeded user logs a mistake on one of 40 concepts (half new, half existing).
local users = dofile(os.getenv("TOKENS") or "tokens.lua")
dofile("bench/api/threads.lua")
request = function()
  local u = users[math.random(#users)]
  local body = '{"concept":"concept-' .. math.random(40) .. '","raw":"sign slip in step 2"}'
  return wrk.format("POST", "/memory/mistake", {["Authorization"] = "Bearer " .. u[2], ["Content-Type"] = "application/json"}, body)
end
