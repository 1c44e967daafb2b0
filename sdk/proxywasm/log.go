package proxywasm

import "fmt"

// Log levels (proxy_log_level_t).
const (
	logTrace uint32 = iota
	logDebug
	logInfo
	logWarn
	logError
	logCritical
)

// logf formats only when the host would keep the line: formatting is the expensive
// part of a dropped debug line.
func logf(level uint32, format string, args []any) {
	min, _ := retSlots()
	if proxyGetLogLevel(min) == statusOK && level < *min {
		return
	}
	logMsg(level, fmt.Sprintf(format, args...))
}

func logMsg(level uint32, msg string) { _ = proxyLog(level, stringPtr(msg), uint32(len(msg))) }

// LogTrace logs msg at trace level.
func LogTrace(msg string) { logMsg(logTrace, msg) }

// LogTracef logs a formatted line at trace level.
func LogTracef(format string, args ...any) { logf(logTrace, format, args) }

// LogDebug logs msg at debug level.
func LogDebug(msg string) { logMsg(logDebug, msg) }

// LogDebugf logs a formatted line at debug level.
func LogDebugf(format string, args ...any) { logf(logDebug, format, args) }

// LogInfo logs msg at info level.
func LogInfo(msg string) { logMsg(logInfo, msg) }

// LogInfof logs a formatted line at info level.
func LogInfof(format string, args ...any) { logf(logInfo, format, args) }

// LogWarn logs msg at warn level.
func LogWarn(msg string) { logMsg(logWarn, msg) }

// LogWarnf logs a formatted line at warn level.
func LogWarnf(format string, args ...any) { logf(logWarn, format, args) }

// LogError logs msg at error level.
func LogError(msg string) { logMsg(logError, msg) }

// LogErrorf logs a formatted line at error level.
func LogErrorf(format string, args ...any) { logf(logError, format, args) }

// LogCritical logs msg at critical level.
func LogCritical(msg string) { logMsg(logCritical, msg) }

// LogCriticalf logs a formatted line at critical level.
func LogCriticalf(format string, args ...any) { logf(logCritical, format, args) }
