package search

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"payvand.dev/shared/store"
)

// The search index: one item per (word, entity), in partitions by the
// word's first rune, written in the same transaction as the entity:
//
//	PK=SEARCH#<first rune>   SK=<word>#<kind>#<id>   kind, ref, text (all the entity's words)
//
// Every kind (customer, contact, product, …) shares the partitions, so a
// global search reads one partition per query.

// MaxHits bounds how many matches one search considers.
const MaxHits = 1000

// TokenKey is the index item of one word of one entity.
func TokenKey(kind, token, id string) store.Key {
	r, _ := utf8.DecodeRuneInString(token)
	return store.Key{PK: "SEARCH#" + string(r), SK: token + "#" + kind + "#" + id}
}

// Ops writes the words an entity gains and removes those it lost.
func Ops(kind, id string, oldTokens, newTokens []string) []store.Op {
	var ops []store.Op
	for _, tok := range oldTokens {
		if !slices.Contains(newTokens, tok) {
			ops = append(ops, store.DeleteOp(TokenKey(kind, tok, id)))
		}
	}
	text := strings.Join(newTokens, " ")
	for _, tok := range newTokens {
		it := store.KeyItem(TokenKey(kind, tok, id))
		it["kind"], it["ref"], it["text"] = store.AV(kind), store.AV(id), store.AV(text)
		ops = append(ops, store.PutOp(it))
	}
	return ops
}

// IDs finds the ids of one kind of entity ("" for every kind, returned as
// kind#id) whose words match every word of q by prefix: one query on the
// longest word, the other words checked against each item's text. Ids come
// back in creation order.
func IDs(ctx context.Context, t store.Table, kind, q string) ([]string, error) {
	words := Tokens(q)
	if d := PhoneDigits(q); len(d) >= 4 && len(words) > 1 {
		words = []string{d} // a phone number typed with spaces or dashes
	}
	if len(words) == 0 {
		return nil, nil
	}
	longest := words[0]
	for _, w := range words {
		if len(w) > len(longest) {
			longest = w
		}
	}
	var filter []store.Cond
	if kind != "" {
		filter = append(filter, store.Eq("kind", kind))
	}
	for _, w := range words {
		if w != longest {
			filter = append(filter, store.Contains("text", w))
		}
	}
	p, err := t.Query(ctx, store.Query{PK: TokenKey(kind, longest, "").PK, SK: store.SKPrefix(longest), Filter: filter, Limit: MaxHits})
	if err != nil {
		return nil, err
	}
	var hits []string
	seen := map[string]bool{}
	for _, it := range p.Items {
		id := store.Str(it, "ref")
		if kind == "" {
			id = store.Str(it, "kind") + "#" + id
		}
		if !seen[id] {
			seen[id] = true
			hits = append(hits, id)
		}
	}
	slices.Sort(hits)
	return hits, nil
}

// Words collects distinct index words from texts, emails and phones.
type Words struct {
	out  []string
	seen map[string]bool
	max  int
}

// NewWords starts a word list of at most max words.
func NewWords(max int) *Words { return &Words{seen: map[string]bool{}, max: max} }

func (w *Words) add(t string) {
	if t != "" && !w.seen[t] && len(w.out) < w.max && len(t) <= 200 {
		w.seen[t] = true
		w.out = append(w.out, t)
	}
}

// Text adds the words of free text.
func (w *Words) Text(s ...string) *Words {
	for _, t := range Tokens(strings.Join(s, " ")) {
		w.add(t)
	}
	return w
}

// Email adds an address whole and in parts.
func (w *Words) Email(e string) *Words {
	if e != "" {
		w.add(Normalize(e))
		w.Text(e)
	}
	return w
}

// Phone adds a number in national form, with and without its leading 0.
func (w *Words) Phone(p ...string) *Words {
	for _, n := range p {
		if d := PhoneDigits(n); d != "" {
			w.add(d)
			w.add("0" + d)
		}
	}
	return w
}

// List returns the words.
func (w *Words) List() []string { return w.out }
