package embedded

import bolt "go.etcd.io/bbolt"

// bolt returns a table's open file (tests that write below the store).
func (d *DB) bolt(name string) (*bolt.DB, error) {
	_, b, err := d.file(name)
	return b, err
}

// The benchmarks (package embedded_test) build the same items as the
// internal tests.
var (
	TestItem     = item
	CustomerItem = customerItem
)
