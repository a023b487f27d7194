// Package boot is how every Lambda begins: a JSON logger named for the
// function, the check that the stack gave it every variable its manifest
// resources need, and the configuration. It links neither the API kernel
// nor the AWS SDK, so the smallest function stays small.
package boot

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"payvand.dev/functions/manifest"
	"payvand.dev/shared/config"
)

// Begin sets the function's logger as the default and checks its
// environment; a missing variable is logged and returned.
func Begin(name string) (*slog.Logger, error) {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", name)
	slog.SetDefault(logger)
	if err := CheckEnv(name); err != nil {
		logger.Error("missing configuration", "err", err)
		return logger, err
	}
	return logger, nil
}

// Start is Begin and the configuration read from the environment; an
// invalid configuration is logged and returned.
func Start(name string) (*slog.Logger, config.Config, error) {
	logger, err := Begin(name)
	if err != nil {
		return logger, config.Config{}, err
	}
	cfg, err := config.FromEnv()
	if err != nil {
		logger.Error("invalid configuration", "err", err)
	}
	return logger, cfg, err
}

// CheckEnv refuses to start a function whose manifest resources are not
// configured, naming every missing variable in one line.
func CheckEnv(name string) error {
	f, ok := manifest.Lookup(name)
	if !ok {
		return fmt.Errorf("function %q is not in the manifest", name)
	}
	var missing []string
	for _, v := range f.RequiredEnv() {
		if os.Getenv(v) == "" {
			missing = append(missing, v)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("function %s needs %s", name, strings.Join(missing, ", "))
	}
	return nil
}
