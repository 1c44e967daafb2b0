package conf

import "log/slog"

// logLevels maps Kong's (nginx's) log levels onto slog's.
var logLevels = map[string]slog.Level{
	"debug":  slog.LevelDebug,
	"info":   slog.LevelInfo,
	"notice": slog.LevelInfo,
	"warn":   slog.LevelWarn,
	"error":  slog.LevelError,
	"crit":   slog.LevelError + 2,
	"alert":  slog.LevelError + 3,
	"emerg":  slog.LevelError + 4,
}

// SlogLevel is the slog level of c.LogLevel.
func (c *Config) SlogLevel() slog.Level { return logLevels[c.LogLevel] }
