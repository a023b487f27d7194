package ids_test

import (
	"testing"
	"time"

	"payvand.dev/shared/ids"
)

// Floor sorts between the ids made before t and those made at or after it.
func TestFloorSortsBetweenEarlierAndLaterIds(t *testing.T) {
	before := ids.New()
	time.Sleep(3 * time.Millisecond)
	at := time.Now()
	time.Sleep(time.Millisecond)
	after := ids.New()
	if f := ids.Floor(at); !(before < f && f < after) {
		t.Fatalf("%s < %s < %s does not hold", before, f, after)
	}
}
