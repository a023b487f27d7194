package relay

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

// Local is the in-process relay of the local runner: the same publish
// path as the stream relay, draining a table when a commit wrote an
// outbox record (Watch), and sweeping every tenant table at start and
// every Every with the Sweeper the AWS schedule runs, so what a crash
// left behind is published after the restart and a record the bus keeps
// refusing is dead-lettered after MaxAttempts sweeps, as on AWS.
type Local struct {
	DB     store.DB // the store the relay reads (not the watched one)
	Prefix string   // tenant tables are Prefix + tenant key
	// Tenants lists every tenant key, for the sweeps.
	Tenants func(ctx context.Context) ([]string, error)
	Pub     Publisher
	// Every is the period of the safety sweep (a minute when zero).
	Every time.Duration
	// MaxAttempts: sweeps a refused record survives (relay.MaxAttempts
	// when zero).
	MaxAttempts int

	mu      sync.Mutex
	pending map[string]bool // tables with new outbox records
	signal  chan struct{}
	idle    *sync.Cond
	busy    bool
}

func (l *Local) init() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.signal == nil {
		l.signal = make(chan struct{}, 1)
		l.pending = map[string]bool{}
		l.idle = sync.NewCond(&l.mu)
	}
}

// Wake tells the relay that table has new outbox records.
func (l *Local) Wake(table string) {
	l.init()
	l.mu.Lock()
	l.pending[table] = true
	l.mu.Unlock()
	select {
	case l.signal <- struct{}{}:
	default:
	}
}

// Run relays until ctx ends: a sweep first, then on every wake.
func (l *Local) Run(ctx context.Context) {
	l.init()
	every := l.Every
	if every <= 0 {
		every = time.Minute
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	l.Sweep(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.signal:
		case <-tick.C:
			l.Sweep(ctx)
			continue
		}
		l.mu.Lock()
		tables := l.pending
		l.pending = map[string]bool{}
		l.busy = true
		l.mu.Unlock()
		for table := range tables {
			l.drain(ctx, table)
		}
		l.mu.Lock()
		l.busy = false
		if len(l.pending) == 0 {
			l.idle.Broadcast()
		}
		l.mu.Unlock()
	}
}

// Sweep drains every tenant table.
func (l *Local) Sweep(ctx context.Context) {
	keys, err := l.Tenants(ctx)
	if err != nil {
		slog.WarnContext(ctx, "relay: list tenants", "err", err)
		return
	}
	sw := &Sweeper{Pub: l.Pub, MaxAttempts: l.MaxAttempts}
	got, err := sw.All(ctx, keys, func(k string) store.Table { return l.DB.Table(l.Prefix + k) })
	if err != nil && ctx.Err() == nil {
		slog.WarnContext(ctx, "relay: events kept for the next sweep", "err", err)
	}
	if got.DeadLettered > 0 {
		slog.ErrorContext(ctx, "relay: dead-lettered outbox records", "now", got.DeadLettered, "total", got.Dead)
	}
}

func (l *Local) drain(ctx context.Context, table string) {
	tenant, ok := TenantOf(l.Prefix, table)
	if !ok {
		return
	}
	if _, err := Drain(ctx, l.DB.Table(table), tenant, l.Pub); err != nil && ctx.Err() == nil {
		slog.WarnContext(ctx, "relay: events kept for the next sweep", "table", table, "err", err)
	}
}

// Settle waits until the relay has handled every wake so far (tests).
func (l *Local) Settle(ctx context.Context) {
	l.init()
	done := make(chan struct{})
	go func() {
		l.mu.Lock()
		for (l.busy || len(l.pending) > 0) && ctx.Err() == nil {
			l.idle.Wait()
		}
		l.mu.Unlock()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		l.mu.Lock()
		l.idle.Broadcast()
		l.mu.Unlock()
	}
}

// Watch returns db whose tables wake the relay after every committed
// write that recorded an event.
func (l *Local) Watch(db store.DB) store.DB { return &watched{DB: db, l: l} }

type watched struct {
	store.DB
	l *Local
}

func (w *watched) Table(name string) store.Table {
	return &watchedTable{Table: w.DB.Table(name), l: w.l}
}

type watchedTable struct {
	store.Table
	l *Local
}

func (t *watchedTable) Put(ctx context.Context, it store.Item, conds ...store.Cond) error {
	err := t.Table.Put(ctx, it, conds...)
	if err == nil && store.Str(it, store.PK) == outbox.Partition {
		t.l.Wake(t.Name())
	}
	return err
}

func (t *watchedTable) TransactWrite(ctx context.Context, ops ...store.Op) error {
	err := t.Table.TransactWrite(ctx, ops...)
	if err == nil {
		for _, op := range ops {
			if op.Put != nil && store.Str(op.Put, store.PK) == outbox.Partition {
				t.l.Wake(t.Name())
				break
			}
		}
	}
	return err
}
