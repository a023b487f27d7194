// Package embedded is the store backend for the local runner: one bbolt file
// per table under a data directory.
//
// Buckets of a table file:
//
//	items        PK\x00SK → the item (DynamoDB JSON, see codec.go)
//	GSI1…GSI5    <index>PK\x00<index>SK\x00PK\x00SK → PK\x00SK, followed by
//	             \x00 and the 8-byte big-endian expiry when the item has a ttl
//	ttl          8-byte big-endian expiry, PK\x00SK → nothing: every item with
//	             a ttl, in the order it expires
//	meta         "format" → "2" once the two above hold for every item
//
// All of an item's entries are written in the same bolt transaction as the
// item. The expiry in index entries lets a query skip and count items
// without decoding them; the ttl bucket lets the sweep read only what is
// due. Files written before format 2 are brought up to it by the first
// sweep after they are opened; until then queries check such items the slow
// way.
//
// Concurrent writes to one table are coalesced into shared bolt transactions
// (bolt's DB.Batch) so that they share a commit and its fsyncs; a writer
// that is alone uses a transaction of its own and waits for nobody.
//
// The store's Stats count, as items read, the items the backend decodes:
// items a query skips or counts without decoding are not in ItemsRead.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

var (
	mainBucket = []byte("items")
	ttlBucket  = []byte("ttl")
	metaBucket = []byte("meta")
	formatKey  = []byte("format")
)

// format2 marks a file whose index entries carry expiries and whose ttl
// bucket lists every item with a ttl.
const format2 = "2"

// validName keeps table names safe as file names.
var validName = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,255}$`)

// openTimeout bounds the wait for a table file another process (or another
// bolt handle) holds locked. Only calls on that table wait.
var openTimeout = 5 * time.Second

// DefaultBatchDelay is how long a write that has company waits for more
// writes to share its transaction (bolt's MaxBatchDelay).
const DefaultBatchDelay = 2 * time.Millisecond

// DB is the embedded implementation of store.DB.
type DB struct {
	dir        string
	now        func() time.Time
	noSync     bool
	sweepEvery time.Duration
	batchDelay time.Duration

	mu     sync.RWMutex // guards tables and closed; never held during file I/O
	tables map[string]*handle
	closed bool

	ctx     context.Context // cancelled by Close: running sweeps stop
	cancel  context.CancelFunc
	wg      sync.WaitGroup // the sweeper and running sweeps; Close waits
	sweepMu sync.Mutex     // one sweep at a time
}

var _ store.DB = (*DB)(nil)

// handle is one table file. Its mutex serializes opening, creating,
// deleting and closing that file only.
type handle struct {
	name    string
	mu      sync.Mutex
	b       atomic.Pointer[bolt.DB] // nil until opened, and after close
	gone    bool                    // deleted, closed, or failed to open: ask the DB again (under mu)
	writers atomic.Int32            // writes in flight, to decide when to batch
}

// Option configures Open.
type Option func(*DB)

// WithClock replaces time.Now (tests of TTL expiry).
func WithClock(now func() time.Time) Option { return func(d *DB) { d.now = now } }

// WithNoSync skips fsync on commit: only for benchmarks that load large
// data sets (a crash may lose recent writes).
func WithNoSync() Option { return func(d *DB) { d.noSync = true } }

// WithSweep deletes expired items every interval in the background, from
// the tables this DB has opened.
func WithSweep(interval time.Duration) Option { return func(d *DB) { d.sweepEvery = interval } }

// WithBatchDelay sets how long a write that has company waits for more
// writes to share its transaction (DefaultBatchDelay; 0 keeps every write
// in a transaction of its own).
func WithBatchDelay(delay time.Duration) Option { return func(d *DB) { d.batchDelay = delay } }

// Open uses dir (created if needed) as the home of all table files.
func Open(dir string, opts ...Option) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	d := &DB{dir: dir, now: time.Now, batchDelay: DefaultBatchDelay, tables: map[string]*handle{}}
	for _, o := range opts {
		o(d)
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	if d.sweepEvery > 0 {
		d.wg.Add(1)
		go d.sweeper(d.sweepEvery)
	}
	return d, nil
}

func (d *DB) path(name string) string { return filepath.Join(d.dir, name+".db") }

var errClosed = errors.New("embedded store: closed")

func notFound(name string) error { return crm.Errorf(crm.ENOTFOUND, "table %q not found", name) }

// handleOf returns the handle of name, adding one when there is none.
func (d *DB) handleOf(name string) (*handle, error) {
	d.mu.RLock()
	h, closed := d.tables[name], d.closed
	d.mu.RUnlock()
	if closed {
		return nil, errClosed
	}
	if h != nil {
		return h, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, errClosed
	}
	if h = d.tables[name]; h == nil {
		h = &handle{name: name}
		d.tables[name] = h
	}
	return h, nil
}

// forget drops h from the table map (h.mu held) so that the next caller
// gets a fresh handle.
func (d *DB) forget(h *handle) {
	h.gone = true
	d.mu.Lock()
	if d.tables[h.name] == h {
		delete(d.tables, h.name)
	}
	d.mu.Unlock()
}

// file returns the open bolt file of a table, opening it on first use.
// Opening one file holds only that table's lock.
func (d *DB) file(name string) (*handle, *bolt.DB, error) {
	if !validName.MatchString(name) {
		return nil, nil, notFound(name)
	}
	for {
		h, err := d.handleOf(name)
		if err != nil {
			return nil, nil, err
		}
		if b := h.b.Load(); b != nil {
			return h, b, nil
		}
		b, retry, err := d.open(h)
		if retry {
			continue
		}
		return h, b, err
	}
}

func (d *DB) open(h *handle) (b *bolt.DB, retry bool, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if b := h.b.Load(); b != nil {
		return b, false, nil
	}
	if h.gone {
		return nil, true, nil
	}
	if _, err := os.Stat(d.path(h.name)); errors.Is(err, fs.ErrNotExist) {
		d.forget(h)
		return nil, false, notFound(h.name)
	}
	b, err = d.openFile(h.name)
	if err == nil {
		if err = prepare(b); err != nil {
			b.Close()
		}
	}
	if err != nil {
		d.forget(h)
		return nil, false, fmt.Errorf("embedded store: open %s: %w", h.name, err)
	}
	h.b.Store(b)
	return b, false, nil
}

func (d *DB) openFile(name string) (*bolt.DB, error) {
	b, err := bolt.Open(d.path(name), 0o600, &bolt.Options{Timeout: openTimeout, NoFreelistSync: true})
	if err != nil {
		return nil, err
	}
	b.NoSync = d.noSync
	b.MaxBatchDelay = max(d.batchDelay, time.Microsecond)
	return b, nil
}

// prepare checks that a file is a table and adds the buckets that files
// written before format 2 lack.
func prepare(b *bolt.DB) error {
	missing := false
	err := b.View(func(tx *bolt.Tx) error {
		if tx.Bucket(mainBucket) == nil {
			return errors.New("not a table file (no items bucket)")
		}
		missing = tx.Bucket(ttlBucket) == nil || tx.Bucket(metaBucket) == nil
		return nil
	})
	if err != nil || !missing {
		return err
	}
	return b.Update(func(tx *bolt.Tx) error { return createBuckets(tx, false) })
}

func createBuckets(tx *bolt.Tx, fresh bool) error {
	for _, name := range append([]string{string(mainBucket), string(ttlBucket), string(metaBucket)}, store.Indexes...) {
		if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return err
		}
	}
	if fresh {
		return tx.Bucket(metaBucket).Put(formatKey, []byte(format2))
	}
	return nil
}

func (d *DB) CreateTable(_ context.Context, name string) error {
	if !validName.MatchString(name) {
		return crm.Errorf(crm.EINVALID, "invalid table name %q", name)
	}
	for {
		h, err := d.handleOf(name)
		if err != nil {
			return err
		}
		retry, err := d.create(h)
		if !retry {
			return err
		}
	}
}

func (d *DB) create(h *handle) (retry bool, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gone {
		return true, nil
	}
	if h.b.Load() != nil {
		return false, crm.Errorf(crm.ECONFLICT, "table %q already exists", h.name)
	}
	f, err := os.OpenFile(d.path(h.name), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, crm.Errorf(crm.ECONFLICT, "table %q already exists", h.name)
	}
	if err != nil {
		return false, fmt.Errorf("embedded store: create %s: %w", h.name, err)
	}
	f.Close()
	b, err := d.openFile(h.name)
	if err == nil {
		if err = b.Update(func(tx *bolt.Tx) error { return createBuckets(tx, true) }); err != nil {
			b.Close()
		}
	}
	if err != nil {
		os.Remove(d.path(h.name))
		d.forget(h)
		return false, fmt.Errorf("embedded store: create %s: %w", h.name, err)
	}
	h.b.Store(b)
	return false, nil
}

func (d *DB) DeleteTable(_ context.Context, name string) error {
	if !validName.MatchString(name) {
		return notFound(name)
	}
	for {
		h, err := d.handleOf(name)
		if err != nil {
			return err
		}
		retry, err := d.drop(h)
		if !retry {
			return err
		}
	}
}

func (d *DB) drop(h *handle) (retry bool, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gone {
		return true, nil
	}
	defer d.forget(h)
	if b := h.b.Swap(nil); b != nil {
		b.Close() // waits for the file's open transactions
	}
	if err := os.Remove(d.path(h.name)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, notFound(h.name)
		}
		return false, fmt.Errorf("embedded store: delete %s: %w", h.name, err)
	}
	return false, nil
}

func (d *DB) TableExists(_ context.Context, name string) (bool, error) {
	if !validName.MatchString(name) {
		return false, nil
	}
	d.mu.RLock()
	h := d.tables[name]
	d.mu.RUnlock()
	if h != nil && h.b.Load() != nil {
		return true, nil
	}
	_, err := os.Stat(d.path(name))
	return err == nil, nil
}

// Close stops the sweeper, waits for a running sweep to stop at its next
// batch, and closes every table file (each waits for its open transactions).
func (d *DB) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	hs := make([]*handle, 0, len(d.tables))
	for _, h := range d.tables {
		hs = append(hs, h)
	}
	d.tables = map[string]*handle{}
	d.mu.Unlock()
	d.cancel()
	d.wg.Wait()
	var errs []error
	for _, h := range hs {
		h.mu.Lock()
		h.gone = true
		if b := h.b.Swap(nil); b != nil {
			errs = append(errs, b.Close())
		}
		h.mu.Unlock()
	}
	return errors.Join(errs...)
}

func (d *DB) Table(name string) store.Table { return &table{db: d, name: name} }

// closedErr turns bolt's error for a file closed under a running call
// (Close, DeleteTable) into the store's.
func closedErr(name string, err error) error {
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return notFound(name)
	}
	return err
}

// sep separates key parts; it sorts before every other byte so that a
// partition's keys stay contiguous and ordered by sort key.
const sep = "\x00"

func mainKey(k store.Key) []byte { return []byte(k.PK + sep + k.SK) }

func indexKey(ix string, it store.Item) ([]byte, bool) {
	ipk, isk := store.Str(it, ix+"PK"), store.Str(it, ix+"SK")
	if ipk == "" || isk == "" {
		return nil, false
	}
	return []byte(ipk + sep + isk + sep + store.Str(it, store.PK) + sep + store.Str(it, store.SK)), true
}

// errCorrupt marks an item that cannot be decoded (written by an older
// version without today's bounds). Reads of one item fail with it; reads
// of many skip and log it, so one bad record cannot take a whole list down.
var errCorrupt = errors.New("embedded store: corrupt item")

// skipCorrupt logs and forgets a corrupt item met by a multi-item read.
func skipCorrupt(err error) error {
	if errors.Is(err, errCorrupt) {
		slog.Error("skipped an unreadable item", "err", err)
		return nil
	}
	return err
}
