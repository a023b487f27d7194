package embedded

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

// expiryOf is the item's ttl (epoch seconds), 0 when it has none: the
// items store.Expired can ever call expired.
func expiryOf(it store.Item) int64 {
	if it == nil || it[store.TTL] == nil {
		return 0
	}
	return max(store.Int(it, store.TTL), 0)
}

// expiredAt mirrors store.Expired for an expiry from expiryOf.
func expiredAt(exp int64, now time.Time) bool { return exp > 0 && exp <= now.Unix() }

// indexValue is an index entry's value: the main key, then for an item
// with a ttl NUL and the expiry (8 bytes, big-endian).
func indexValue(mk []byte, exp int64) []byte {
	if exp == 0 {
		return mk
	}
	v := make([]byte, len(mk)+9)
	copy(v, mk)
	v[len(mk)] = 0
	binary.BigEndian.PutUint64(v[len(mk)+1:], uint64(exp))
	return v
}

// splitIndexValue returns the main key and the expiry of an index entry;
// known is false for an entry without one (no ttl, or written before
// format 2). PK and SK hold no NUL, so the main key ends at the second.
func splitIndexValue(v []byte) (mk []byte, exp int64, known bool) {
	i := bytes.IndexByte(v, 0)
	if i < 0 {
		return v, 0, false
	}
	j := bytes.IndexByte(v[i+1:], 0)
	if j < 0 {
		return v, 0, false
	}
	end := i + 1 + j
	if rest := v[end+1:]; len(rest) == 8 {
		return v[:end], int64(binary.BigEndian.Uint64(rest)), true
	}
	return v[:end], 0, false
}

// ttlKey is the item's entry in the ttl bucket: expiry first, so the bucket
// is in the order items expire.
func ttlKey(exp int64, mk []byte) []byte {
	k := make([]byte, 8+len(mk))
	binary.BigEndian.PutUint64(k, uint64(exp))
	copy(k[8:], mk)
	return k
}

// ttlMarker is how a top-level ttl attribute starts in an encoded item
// (binaryTTLMarker in the binary format: its name's length and the name).
// An item without it has no ttl; one with it (possibly a nested map's
// member, or text that happens to hold the bytes) is decoded to know.
var (
	ttlMarker       = []byte(`"` + store.TTL + `":{`)
	binaryTTLMarker = append([]byte{byte(len(store.TTL))}, store.TTL...)
)

// mayHaveTTL is false only for an encoded item that has no ttl.
func mayHaveTTL(v []byte) bool {
	if len(v) > 0 && v[0] == binaryMagic {
		return bytes.Contains(v, binaryTTLMarker)
	}
	return bytes.Contains(v, ttlMarker)
}

// liveValue reports whether an encoded item is live at now, decoding it
// only when it may have a ttl.
func liveValue(v []byte, now time.Time) bool {
	if !mayHaveTTL(v) {
		return true
	}
	it, err := decodeItem(v)
	return err == nil && !store.Expired(it, now)
}

// format2In tells whether the file (as this transaction sees it) is in
// format 2, where an index entry without an expiry is an item without a ttl.
func format2In(tx *bolt.Tx) bool {
	m := tx.Bucket(metaBucket)
	return m != nil && string(m.Get(formatKey)) == format2
}

// encoded is an item ready to be written: its bytes and its expiry.
type encoded struct {
	it  store.Item
	raw []byte
	exp int64
}

func encode(it store.Item) (encoded, error) {
	raw, err := encodeItem(it)
	if err != nil {
		return encoded{}, crm.Errorf(crm.EINVALID, "item cannot be stored: %v", err)
	}
	return encoded{it: it, raw: raw, exp: expiryOf(it)}, nil
}

// putItem writes an item with its index and ttl entries, replacing those
// of old (the stored item, expired or not; nil when absent).
func putItem(tx *bolt.Tx, old store.Item, e encoded) error {
	if old != nil {
		if err := unindex(tx, old); err != nil {
			return err
		}
	}
	mk := mainKey(store.KeyOf(e.it))
	if err := tx.Bucket(mainBucket).Put(mk, e.raw); err != nil {
		return err
	}
	return index(tx, e.it, mk, e.exp)
}

func index(tx *bolt.Tx, it store.Item, mk []byte, exp int64) error {
	for _, ix := range store.Indexes {
		if k, ok := indexKey(ix, it); ok {
			if err := tx.Bucket([]byte(ix)).Put(k, indexValue(mk, exp)); err != nil {
				return err
			}
		}
	}
	if exp > 0 {
		return tx.Bucket(ttlBucket).Put(ttlKey(exp, mk), nil)
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
	if exp := expiryOf(it); exp > 0 {
		return tx.Bucket(ttlBucket).Delete(ttlKey(exp, mainKey(store.KeyOf(it))))
	}
	return nil
}

func removeItem(tx *bolt.Tx, it store.Item) error {
	if err := unindex(tx, it); err != nil {
		return err
	}
	return tx.Bucket(mainBucket).Delete(mainKey(store.KeyOf(it)))
}

// stored returns the item stored at key, expired or not (nil when absent).
func stored(tx *bolt.Tx, key []byte) (store.Item, error) {
	v := tx.Bucket(mainBucket).Get(key)
	if v == nil {
		return nil, nil
	}
	it, err := decodeItem(v)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", errCorrupt, key, err)
	}
	return it, nil
}

// live returns the stored item unless it has expired.
func live(it store.Item, now time.Time) store.Item {
	if it == nil || store.Expired(it, now) {
		return nil
	}
	return it
}

// load returns the live item at key, nil when absent or expired.
func load(tx *bolt.Tx, key []byte, now time.Time) (store.Item, error) {
	it, err := stored(tx, key)
	return live(it, now), err
}
