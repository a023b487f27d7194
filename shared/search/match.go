package search

import (
	"context"
	"slices"
	"strings"

	"payvand.dev/shared/store"
)

// Match keys find records that are the same person or company: the
// normalized email and the national phone digits. Each record keeps one
// item per key, written in its transaction:
//
//	PK=MATCH#<kind>#<key>   SK=<id>   GSI1PK=MATCHES#<kind>   GSI1SK=<key>#<id>
//
// so "who has this email" is one query, and duplicate groups are adjacent
// entries of one index partition.

// MatchKeys returns the match keys of an email and phone numbers.
func MatchKeys(email string, phones ...string) []string {
	var keys []string
	if e := strings.ToLower(strings.TrimSpace(email)); e != "" {
		keys = append(keys, "email:"+e)
	}
	for _, p := range phones {
		if d := PhoneDigits(p); len(d) >= 6 {
			keys = append(keys, "phone:"+d)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

func matchKey(kind, key, id string) store.Key {
	return store.Key{PK: "MATCH#" + kind + "#" + key, SK: id}
}

// MatchOps writes the match keys a record gains and removes those it lost.
func MatchOps(kind, id string, oldKeys, newKeys []string) []store.Op {
	var ops []store.Op
	for _, k := range oldKeys {
		if !slices.Contains(newKeys, k) {
			ops = append(ops, store.DeleteOp(matchKey(kind, k, id)))
		}
	}
	for _, k := range newKeys {
		if slices.Contains(oldKeys, k) {
			continue
		}
		it := store.KeyItem(matchKey(kind, k, id))
		it["GSI1PK"], it["GSI1SK"] = store.AV("MATCHES#"+kind), store.AV(k+"#"+id)
		ops = append(ops, store.PutOp(it))
	}
	return ops
}

// Matching returns the ids of one kind that have a match key.
func Matching(ctx context.Context, t store.Table, kind, key string) ([]string, error) {
	p, err := t.Query(ctx, store.Query{PK: "MATCH#" + kind + "#" + key, Limit: 100})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(p.Items))
	for i, it := range p.Items {
		ids[i] = store.Str(it, store.SK)
	}
	return ids, nil
}

// DuplicateGroups walks the match index of a kind and returns the groups
// of ids sharing a key (each id appears in one group: groups that share a
// member are merged).
func DuplicateGroups(ctx context.Context, t store.Table, kind string) ([][]string, error) {
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		if parent[x] == "" || parent[x] == x {
			parent[x] = x
			return x
		}
		parent[x] = find(parent[x])
		return parent[x]
	}
	union := func(a, b string) {
		ra, rb := find(a), find(b)
		if ra != rb {
			if ra < rb { // the oldest id (UUIDv7) leads
				parent[rb] = ra
			} else {
				parent[ra] = rb
			}
		}
	}
	cursor, lastKey, lastID := "", "", ""
	for {
		p, err := t.Query(ctx, store.Query{Index: "GSI1", PK: "MATCHES#" + kind, Limit: 1000, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		for _, it := range p.Items {
			sk := store.Str(it, "GSI1SK")
			i := strings.LastIndexByte(sk, '#')
			key, id := sk[:i], sk[i+1:]
			find(id)
			if key == lastKey {
				union(lastID, id)
			}
			lastKey, lastID = key, id
		}
		if p.Cursor == "" {
			break
		}
		cursor = p.Cursor
	}
	groups := map[string][]string{}
	for id := range parent {
		r := find(id)
		groups[r] = append(groups[r], id)
	}
	var out [][]string
	for _, g := range groups {
		if len(g) > 1 {
			slices.Sort(g)
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	return out, nil
}
