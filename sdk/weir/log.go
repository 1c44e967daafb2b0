package weir

import "fmt"

// fnLogSerialize is the foreign function behind SerializeLog.
const fnLogSerialize = "weir.log_serialize"

// SerializeLog returns the request's entry as Kong's kong.log.serialize() builds it,
// as JSON (request, response, route, service, consumer, latencies, tries, client_ip,
// started_at, ...), for logging plugins. It answers from OnLog, once the response is
// complete; before that it fails.
func SerializeLog() ([]byte, error) {
	out, err := callForeign(fnLogSerialize, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fnLogSerialize, err)
	}
	return out, nil
}
