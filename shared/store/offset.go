package store

import (
	"strconv"
	"strings"
)

// Lists that filter or sort in memory (search hits, filters no index
// answers) page by offset; their cursor is "o:<offset>".

// OffsetOf is where such a list resumes: the offset in an "o:" cursor it
// handed out, else offset.
func OffsetOf(offset int, cursor string) int {
	if cursor != "" {
		if n, err := strconv.Atoi(strings.TrimPrefix(cursor, "o:")); err == nil {
			return n
		}
	}
	return offset
}

// Window is all[offset:offset+limit], clipped to all, and the cursor of
// the page after it ("" on the last page).
func Window[T any](all []T, offset, limit int) ([]T, string) {
	return all[min(offset, len(all)):min(offset+limit, len(all))], NextOffset(offset, limit, len(all))
}

// NextOffset is the cursor of the page after [offset, offset+limit) of
// total items ("" when there is none).
func NextOffset(offset, limit, total int) string {
	if offset+limit < total {
		return "o:" + strconv.Itoa(offset+limit)
	}
	return ""
}
