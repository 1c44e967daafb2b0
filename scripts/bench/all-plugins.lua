-- wrk script for the all-plugins case: cycles through the routes of gen-config.sh's
-- "all" case, each request with the credentials its route needs. The JWT comes from
-- the environment (BENCH_JWT), made by run.sh.
local reqs = {}
local i = 0

function init(args)
	local jwt = os.getenv("BENCH_JWT") or ""
	reqs = {
		wrk.format("GET", "/all", { ["apikey"] = "key-1", ["Origin"] = "http://bench.example" }),
		wrk.format("GET", "/basic", { ["Authorization"] = "Basic dXNlci0xOmJlbmNo" }),
		wrk.format("GET", "/jwt", { ["Authorization"] = "Bearer " .. jwt }),
		wrk.format("GET", "/term"),
	}
end

function request()
	i = i % #reqs + 1
	return reqs[i]
end
