package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"time"

	bolt "go.etcd.io/bbolt"

	"payvand.dev/shared/store"
)

// sweepBatch is how many expired items one write transaction of the sweep
// deletes; backfillScan is how many keys one read transaction of the
// format upgrade looks at.
const (
	sweepBatch   = 256
	backfillScan = 2048
)

func (d *DB) sweeper(every time.Duration) {
	defer d.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-d.ctx.Done():
			return
		case <-t.C:
			if n, err := d.sweep(d.ctx); err != nil && !errors.Is(err, errClosed) {
				slog.Warn("ttl sweep failed", "err", err)
			} else if n > 0 {
				slog.Debug("ttl sweep", "deleted", n)
			}
		}
	}
}

// Sweep deletes the expired items of every table this DB has open and
// returns how many. It reads only the items that are due (the ttl bucket),
// deletes them in small write transactions, and stops at the next batch
// when ctx ends or the DB closes. Files in the directory that this DB has
// not opened are not touched: a table's expired items are invisible anyway,
// and are swept once the table is used.
func (d *DB) Sweep(ctx context.Context) (int, error) {
	d.mu.RLock()
	if d.closed {
		d.mu.RUnlock()
		return 0, errClosed
	}
	d.wg.Add(1) // under mu: Close cannot be waiting yet
	d.mu.RUnlock()
	defer d.wg.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(d.ctx, cancel)
	defer stop()
	return d.sweep(ctx)
}

func (d *DB) sweep(ctx context.Context) (int, error) {
	d.sweepMu.Lock()
	defer d.sweepMu.Unlock()
	d.mu.RLock()
	files := make([]*bolt.DB, 0, len(d.tables))
	for _, h := range d.tables {
		if b := h.b.Load(); b != nil {
			files = append(files, b)
		}
	}
	d.mu.RUnlock()
	total := 0
	var errs []error
	for _, b := range files {
		if ctx.Err() != nil {
			break
		}
		n, err := d.sweepFile(ctx, b)
		total += n
		if err != nil && !errors.Is(err, bolt.ErrDatabaseNotOpen) { // a table deleted meanwhile
			errs = append(errs, err)
		}
	}
	if d.ctx.Err() != nil {
		return total, errClosed // stopped by Close
	}
	return total, errors.Join(append(errs, ctx.Err())...)
}

func (d *DB) sweepFile(ctx context.Context, b *bolt.DB) (int, error) {
	total, err := d.upgrade(ctx, b)
	if err != nil {
		return total, err
	}
	for ctx.Err() == nil {
		n, more, err := d.sweepOnce(b)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
	return total, nil
}

// sweepOnce deletes up to sweepBatch due items in one write transaction;
// more reports that there may be others.
func (d *DB) sweepOnce(b *bolt.DB) (deleted int, more bool, err error) {
	err = b.Update(func(tx *bolt.Tx) error {
		deleted, more = 0, false
		now := d.now()
		ttl := tx.Bucket(ttlBucket)
		var due [][]byte
		c := ttl.Cursor()
		for k, _ := c.First(); k != nil && len(k) > 8; k, _ = c.Next() {
			if exp := int64(binary.BigEndian.Uint64(k)); !expiredAt(exp, now) {
				break
			}
			if len(due) == sweepBatch {
				more = true
				break
			}
			due = append(due, bytes.Clone(k))
		}
		for _, k := range due {
			exp, mk := int64(binary.BigEndian.Uint64(k)), k[8:]
			it, err := stored(tx, mk)
			if err != nil {
				slog.Error("ttl sweep: unreadable item left in place", "err", err)
			} else if it != nil && expiryOf(it) == exp {
				if err := removeItem(tx, it); err != nil {
					return err
				}
				deleted++
				continue
			}
			// The item is gone, or its entry is stale.
			if err := ttl.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	return deleted, more, err
}

// upgrade brings a file written before format 2 up to it: every item with a
// ttl gets expiries in its index entries and an entry in the ttl bucket
// (expired ones are deleted instead). It reads in bounded read
// transactions and writes in small write transactions, once per file. It
// returns how many expired items it deleted.
func (d *DB) upgrade(ctx context.Context, b *bolt.DB) (int, error) {
	var done bool
	if err := b.View(func(tx *bolt.Tx) error { done = format2In(tx); return nil }); err != nil || done {
		return 0, err
	}
	deleted := 0
	var after []byte
	for {
		if err := ctx.Err(); err != nil {
			return deleted, err
		}
		var keys [][]byte
		last := after
		err := b.View(func(tx *bolt.Tx) error {
			keys, last = nil, after
			c := tx.Bucket(mainBucket).Cursor()
			k, v := c.First()
			if after != nil {
				if k, v = c.Seek(after); k != nil && bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			for n := 0; k != nil && n < backfillScan; k, v = c.Next() {
				n++
				last = bytes.Clone(k)
				if mayHaveTTL(v) {
					keys = append(keys, last)
				}
			}
			if k == nil {
				last = nil // the end
			}
			return nil
		})
		if err != nil {
			return deleted, err
		}
		for len(keys) > 0 {
			n := min(len(keys), sweepBatch)
			var del int
			err := b.Update(func(tx *bolt.Tx) (err error) { del, err = reindex(tx, keys[:n], d.now()); return err })
			if err != nil {
				return deleted, err
			}
			deleted += del
			keys = keys[n:]
		}
		if last == nil {
			break
		}
		after = last
	}
	return deleted, b.Update(func(tx *bolt.Tx) error { return tx.Bucket(metaBucket).Put(formatKey, []byte(format2)) })
}

// reindex rewrites the index and ttl entries of items with a ttl, or deletes
// them when they have expired; it returns how many it deleted.
func reindex(tx *bolt.Tx, keys [][]byte, now time.Time) (deleted int, err error) {
	for _, mk := range keys {
		it, err := stored(tx, mk)
		if err != nil {
			slog.Error("format upgrade: unreadable item left as it is", "err", err)
			continue
		}
		exp := expiryOf(it)
		if exp == 0 {
			continue
		}
		if err := removeItem(tx, it); err != nil {
			return deleted, err
		}
		if store.Expired(it, now) {
			deleted++
			continue
		}
		e, err := encode(it)
		if err != nil {
			return deleted, err
		}
		if err := putItem(tx, nil, e); err != nil {
			return deleted, err
		}
	}
	return deleted, nil
}
