// Command local runs every route group of the manifest in one process on
// the embedded store: `make run`.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"payvand.dev/functions/api/notificationsapi"
	"payvand.dev/functions/app"
	"payvand.dev/functions/consumers"
	"payvand.dev/functions/localplatform"
	"payvand.dev/functions/routes"
	"payvand.dev/shared/config"
	_ "payvand.dev/shared/httpapi/docsui" // /api/docs from embedded files
	"payvand.dev/shared/notify"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	slog.SetDefault(logger)
	if err := run(logger); err != nil {
		logger.Error("payvand stopped", "err", err)
		os.Exit(1)
	}
}

func run(logger *slog.Logger) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	deps, err := app.Open(ctx, cfg, localplatform.Platform)
	if err != nil {
		return err
	}
	defer deps.Close()
	if err := deps.SeedLocal(ctx, os.Stdout); err != nil {
		return err
	}
	var jobs sync.WaitGroup
	deps.Background = func(f func(context.Context)) {
		jobs.Add(1)
		go func() { defer jobs.Done(); f(context.Background()) }()
	}
	// The event relay and the consumers run in-process; the real-time
	// hub serves /ws and /app/{key} on the same listener.
	live, err := consumers.Start(ctx, deps, notificationsapi.PusherKey())
	if err != nil {
		return err
	}
	api, err := deps.Handler(logger, routes.All()...)
	if err != nil {
		return err
	}
	h := live.Handler(api)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	go housekeeping(ctx, deps, logger)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	logger.Info("payvand listening", "addr", "http://"+ln.Addr().String(), "data_dir", cfg.DataDir, "version", cfg.Version)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("waiting for background jobs")
	jobs.Wait()
	return nil
}

// housekeeping runs what the scheduled Lambda runs on AWS, hourly.
func housekeeping(ctx context.Context, deps *app.Deps, logger *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if purged, err := deps.Control.PurgeDue(ctx, time.Now()); err != nil {
			logger.Warn("housekeeping", "err", err)
		} else if len(purged) > 0 {
			logger.Info("housekeeping", "purged_tenants", purged)
		}
		if ts, err := deps.Control.AllTenants(ctx); err == nil {
			for _, t := range ts {
				if _, err := notify.DueSoon(ctx, deps.Control.TableFor(t.Key), time.Now()); err != nil {
					logger.Warn("due-soon reminders", "tenant", t.Key, "err", err)
				}
				if _, err := notify.Digest(ctx, deps.Control.TableFor(t.Key), deps.Mail, t.Key, time.Now()); err != nil {
					logger.Warn("daily digests", "tenant", t.Key, "err", err)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
