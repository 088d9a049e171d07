-- POST /api/v1/memory/log/v1 with a legacy integer-id token.
local users = dofile(os.getenv("TOKENS") or "tokens.lua")
dofile("bench/api/threads.lua")
request = function()
  local u = users[math.random(#users)]
  local body = '{"template_code":"concept-' .. math.random(40) .. '","error_type":"concept","detail":{"reason":"sign error"}}'
  return wrk.format("POST", "/api/v1/memory/log/v1", {["Authorization"] = "Bearer " .. u[4], ["Content-Type"] = "application/json"}, body)
end
