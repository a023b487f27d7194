package store

import (
	"slices"
	"testing"
)

func TestWindowAndOffsetCursors(t *testing.T) {
	all := []int{0, 1, 2, 3, 4}
	for _, c := range []struct {
		offset, limit int
		cursor        string
		page          []int
		next          string
	}{
		{0, 2, "", []int{0, 1}, "o:2"},
		{0, 2, "o:2", []int{2, 3}, "o:4"},
		{0, 2, "o:4", []int{4}, ""},
		{3, 5, "", []int{3, 4}, ""},
		{9, 2, "", []int{}, ""},
		{1, 2, "not-an-offset", []int{1, 2}, "o:3"},
	} {
		page, next := Window(all, OffsetOf(c.offset, c.cursor), c.limit)
		if !slices.Equal(page, c.page) || next != c.next {
			t.Errorf("offset %d limit %d cursor %q: %v %q, want %v %q", c.offset, c.limit, c.cursor, page, next, c.page, c.next)
		}
	}
}
