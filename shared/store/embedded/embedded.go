// Package embedded is the store backend for the local runner: one bbolt file
// per table under a data directory. The main bucket maps PK\x00SK to the
// item; each index bucket maps <index>PK\x00<index>SK\x00PK\x00SK to the main
// key, written in the same bolt transaction as the item.
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
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

var mainBucket = []byte("items")

// validName keeps table names safe as file names.
var validName = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,255}$`)

// DB is the embedded implementation of store.DB.
type DB struct {
	dir string
	now func() time.Time

	noSync bool

	mu     sync.Mutex
	open   map[string]*bolt.DB
	closed bool
	stop   chan struct{}
	wg     sync.WaitGroup
}

var _ store.DB = (*DB)(nil)

// Option configures Open.
type Option func(*DB)

// WithClock replaces time.Now (tests of TTL expiry).
func WithClock(now func() time.Time) Option { return func(d *DB) { d.now = now } }

// WithNoSync skips fsync on commit: only for benchmarks that load large
// data sets (a crash may lose recent writes).
func WithNoSync() Option { return func(d *DB) { d.noSync = true } }

// WithSweep deletes expired items every interval in the background.
func WithSweep(interval time.Duration) Option {
	return func(d *DB) {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			t := time.NewTicker(interval)
			defer t.Stop()
			for {
				select {
				case <-d.stop:
					return
				case <-t.C:
					if n, err := d.Sweep(context.Background()); err != nil {
						slog.Warn("ttl sweep failed", "err", err)
					} else if n > 0 {
						slog.Debug("ttl sweep", "deleted", n)
					}
				}
			}
		}()
	}
}

// Open uses dir (created if needed) as the home of all table files.
func Open(dir string, opts ...Option) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	d := &DB{dir: dir, now: time.Now, open: map[string]*bolt.DB{}, stop: make(chan struct{})}
	for _, o := range opts {
		o(d)
	}
	return d, nil
}

func (d *DB) path(name string) string { return filepath.Join(d.dir, name+".db") }

// bolt returns the open file of a table, opening it on first use.
func (d *DB) bolt(name string) (*bolt.DB, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, errors.New("embedded store: closed")
	}
	if b, ok := d.open[name]; ok {
		return b, nil
	}
	if !validName.MatchString(name) {
		return nil, crm.Errorf(crm.ENOTFOUND, "table %q not found", name)
	}
	if _, err := os.Stat(d.path(name)); errors.Is(err, fs.ErrNotExist) {
		return nil, crm.Errorf(crm.ENOTFOUND, "table %q not found", name)
	}
	b, err := bolt.Open(d.path(name), 0o600, &bolt.Options{Timeout: 5 * time.Second, NoFreelistSync: true})
	if err != nil {
		return nil, fmt.Errorf("embedded store: open %s: %w", name, err)
	}
	b.NoSync = d.noSync
	d.open[name] = b
	return b, nil
}

func (d *DB) CreateTable(_ context.Context, name string) error {
	if !validName.MatchString(name) {
		return crm.Errorf(crm.EINVALID, "invalid table name %q", name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := os.Stat(d.path(name)); err == nil {
		return crm.Errorf(crm.ECONFLICT, "table %q already exists", name)
	}
	b, err := bolt.Open(d.path(name), 0o600, &bolt.Options{Timeout: 5 * time.Second, NoFreelistSync: true})
	if err != nil {
		return fmt.Errorf("embedded store: create %s: %w", name, err)
	}
	b.NoSync = d.noSync
	err = b.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(mainBucket); err != nil {
			return err
		}
		for _, ix := range store.Indexes {
			if _, err := tx.CreateBucketIfNotExists([]byte(ix)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Close()
		os.Remove(d.path(name))
		return fmt.Errorf("embedded store: create %s: %w", name, err)
	}
	d.open[name] = b
	return nil
}

func (d *DB) DeleteTable(_ context.Context, name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if b, ok := d.open[name]; ok {
		b.Close()
		delete(d.open, name)
	}
	if !validName.MatchString(name) {
		return crm.Errorf(crm.ENOTFOUND, "table %q not found", name)
	}
	if err := os.Remove(d.path(name)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return crm.Errorf(crm.ENOTFOUND, "table %q not found", name)
		}
		return fmt.Errorf("embedded store: delete %s: %w", name, err)
	}
	return nil
}

func (d *DB) TableExists(_ context.Context, name string) (bool, error) {
	if !validName.MatchString(name) {
		return false, nil
	}
	_, err := os.Stat(d.path(name))
	return err == nil, nil
}

// Close stops the sweeper and closes every table file.
func (d *DB) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	close(d.stop)
	var errs []error
	for name, b := range d.open {
		errs = append(errs, b.Close())
		delete(d.open, name)
	}
	d.mu.Unlock()
	d.wg.Wait()
	return errors.Join(errs...)
}

func (d *DB) Table(name string) store.Table { return &table{db: d, name: name} }

// Sweep deletes expired items from every table file; it returns how many.
func (d *DB) Sweep(ctx context.Context) (int, error) {
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, e := range entries {
		name, ok := cutSuffix(e.Name(), ".db")
		if !ok {
			continue
		}
		b, err := d.bolt(name)
		if err != nil {
			continue
		}
		now := d.now()
		err = b.Update(func(tx *bolt.Tx) error {
			var expired []store.Item
			c := tx.Bucket(mainBucket).Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				it, err := decodeItem(v)
				if err != nil {
					return err
				}
				if store.Expired(it, now) {
					expired = append(expired, it)
				}
			}
			for _, it := range expired {
				if err := removeItem(tx, it); err != nil {
					return err
				}
			}
			total += len(expired)
			return nil
		})
		if err != nil {
			return total, err
		}
	}
	return total, ctx.Err()
}

func cutSuffix(s, suffix string) (string, bool) {
	if len(s) > len(suffix) && s[len(s)-len(suffix):] == suffix {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
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

func putItem(tx *bolt.Tx, old, it store.Item) error {
	if old != nil {
		if err := unindex(tx, old); err != nil {
			return err
		}
	}
	b, err := encodeItem(it)
	if err != nil {
		return crm.Errorf(crm.EINVALID, "item cannot be stored: %v", err)
	}
	mk := mainKey(store.KeyOf(it))
	if err := tx.Bucket(mainBucket).Put(mk, b); err != nil {
		return err
	}
	for _, ix := range store.Indexes {
		if k, ok := indexKey(ix, it); ok {
			if err := tx.Bucket([]byte(ix)).Put(k, mk); err != nil {
				return err
			}
		}
	}
	return nil
}

func unindex(tx *bolt.Tx, it store.Item) error {
	for _, ix := range store.Indexes {
		if k, ok := indexKey(ix, it); ok {
			if err := tx.Bucket([]byte(ix)).Delete(k); err != nil {
				return err
			}
		}
	}
	return nil
}

func removeItem(tx *bolt.Tx, it store.Item) error {
	if err := unindex(tx, it); err != nil {
		return err
	}
	return tx.Bucket(mainBucket).Delete(mainKey(store.KeyOf(it)))
}

// load returns the live item at key, nil when absent or expired.
func load(tx *bolt.Tx, key []byte, now time.Time) (store.Item, error) {
	v := tx.Bucket(mainBucket).Get(key)
	if v == nil {
		return nil, nil
	}
	it, err := decodeItem(v)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", errCorrupt, key, err)
	}
	if store.Expired(it, now) {
		return nil, nil
	}
	return it, nil
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

func numberString(n int64) string { return strconv.FormatInt(n, 10) }
