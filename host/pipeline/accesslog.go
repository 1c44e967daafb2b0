package pipeline

import (
	"strconv"

	"github.com/weir-gateway/weir/host/accesslog"
)

// AccessLogEntry describes the finished exchange for the access log.
func (e *Exchange) AccessLogEntry() accesslog.Entry {
	h := &e.Request.Headers
	status, _ := strconv.Atoi(e.Response.Headers.Value(":status"))
	entry := accesslog.Entry{
		Time: e.start, ClientIP: e.ClientIP, Method: h.Value(":method"), URI: e.origPath,
		Protocol: e.protocol(), Status: status, BytesSent: len(e.Response.Body.Bytes()),
		Referer: h.Value("referer"), UserAgent: h.Value("user-agent"), RequestID: e.ID,
		UpstreamAddr: e.upstreamAddr, LatencyMS: e.end.Sub(e.start).Milliseconds(),
		UpstreamStatus: e.upstreamStatus, BytesReceived: len(e.Request.Body.Bytes()),
		UpstreamLatencyMS: e.upstreamLatency.Milliseconds(),
	}
	if r := e.Route(); r != nil {
		entry.RouteID = r.ID
		entry.RouteName = r.ID
		if r.Name != nil {
			entry.RouteName = *r.Name
		}
	}
	if e.service != nil {
		entry.ServiceID = e.service.ID
		entry.ServiceName = serviceName(e)
	}
	if e.consumer != nil {
		entry.ConsumerID = e.consumer.ID
		if e.consumer.Username != nil {
			entry.ConsumerName = *e.consumer.Username
		}
	}
	return entry
}
