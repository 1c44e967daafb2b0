package proxywasm

// SetTickPeriodMilliSeconds asks the host to call the current plugin context's OnTick
// every millSec milliseconds; 0 stops the ticks. In weir, ticks start once the plugin
// context exists, that is after the first request that runs the plugin.
func SetTickPeriodMilliSeconds(millSec uint32) error {
	return statusErr(proxySetTickPeriodMilliseconds(millSec))
}

// SetEffectiveContext makes contextID the context later host calls act on, until the
// current callback returns: from OnTick or an HTTP call's callback, this is how a
// plugin reads or resumes a stream it paused (ResumeHttpRequest).
func SetEffectiveContext(contextID uint32) error {
	vm.active = contextID
	return statusErr(proxySetEffectiveContext(contextID))
}

// PluginDone tells the host that a plugin context whose OnPluginDone returned false
// has finished its work and may be deleted.
func PluginDone() { logOnError("plugin done", proxyDone()) }
