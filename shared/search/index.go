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

// Ops writes the words an entity gains and removes those it lost. A write
// that keeps the entity's words (a stock change, a status, notes, …)
// touches no index item. When the words change, every kept word is written
// again too: each item carries the entity's whole word list in text, which
// multi-word queries filter on (see Lookup), so an item left with the old
// list would hide the entity from a query with a new word, or find it by a
// word it no longer has.
func Ops(kind, id string, oldTokens, newTokens []string) []store.Op {
	if sameWords(oldTokens, newTokens) {
		return nil
	}
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

// sameWords reports whether two word lists hold the same words (their
// order does not change what a query finds).
func sameWords(a, b []string) bool {
	set := func(l []string) map[string]bool {
		m := make(map[string]bool, len(l))
		for _, w := range l {
			m[w] = true
		}
		return m
	}
	sa, sb := set(a), set(b)
	if len(sa) != len(sb) {
		return false
	}
	for w := range sa {
		if !sb[w] {
			return false
		}
	}
	return true
}

// IDs finds the ids of one kind of entity ("" for every kind, returned as
// kind#id) that match q: one query of the index on q's most telling term,
// the rest of q checked against each item's text (see Lookups). Only when
// that finds nothing is the next way of reading q tried (a phone number
// typed like one, then its plain words). Ids come back in creation order.
func IDs(ctx context.Context, t store.Table, kind, q string) ([]string, error) {
	for _, l := range Lookups(q) {
		hits, err := lookup(ctx, t, kind, l)
		if err != nil || len(hits) > 0 {
			return hits, err
		}
	}
	return nil, nil
}

// Lookup is one way of reading a search: the index words that begin with
// Key, whose entity's text also holds every one of Others.
type Lookup struct {
	Key    string
	Others []string
}

// Lookups are the ways a search is read, most precise first. The index
// holds (see Words) every word, every run of words typed without spaces
// (an email, a SKU, "2isqy6-200") joined by "-" together with its tails,
// and phone numbers as national digits; a query is cut the same way:
//
//   - a query of digits and phone punctuation only ("+98 912 555",
//     "0912-555-01") is a phone number: its national digits;
//   - a run of words without spaces ("acc-1-k1-1@example.test") is looked
//     up whole, so an email is found by its whole value or any prefix of
//     it, whatever the separators;
//   - then the plain words, the longest as the key.
func Lookups(q string) []Lookup {
	n := Normalize(q)
	var chunks [][]string // the words of each space-separated run
	for _, f := range strings.Fields(n) {
		if w := split(f); len(w) > 0 {
			chunks = append(chunks, w)
		}
	}
	if len(chunks) == 0 {
		return nil
	}
	var out []Lookup
	words := wordLookup(chunks)
	if d := phoneQuery(n); d != "" {
		if len(chunks) == 1 && len(chunks[0]) == 1 && !strings.HasPrefix(n, "+") {
			// One number as typed ("09121234567", "4567", a SKU of
			// digits) is a word first: stored phones keep their leading 0.
			return []Lookup{words, {Key: d}}
		}
		out = append(out, Lookup{Key: d})
	}
	if c := compoundLookup(chunks); c.Key != "" {
		out = append(out, c)
	}
	return append(out, words)
}

// compoundLookup keys on the longest run of words typed without spaces;
// the other runs must be in the text as typed.
func compoundLookup(chunks [][]string) Lookup {
	key := -1
	for i, c := range chunks {
		if len(c) > 1 && (key < 0 || len(joined(c)) > len(joined(chunks[key]))) {
			key = i
		}
	}
	if key < 0 {
		return Lookup{}
	}
	l := Lookup{Key: joined(chunks[key])}
	for i, c := range chunks {
		if i != key && !slices.Contains(l.Others, joined(c)) {
			l.Others = append(l.Others, joined(c))
		}
	}
	return l
}

// wordLookup keys on the longest word; the others must be in the text.
func wordLookup(chunks [][]string) Lookup {
	var words []string
	for _, c := range chunks {
		for _, w := range c {
			if !slices.Contains(words, w) {
				words = append(words, w)
			}
		}
	}
	l := Lookup{Key: words[0]}
	for _, w := range words {
		if len(w) > len(l.Key) {
			l.Key = w
		}
	}
	for _, w := range words {
		if w != l.Key {
			l.Others = append(l.Others, w)
		}
	}
	return l
}

func lookup(ctx context.Context, t store.Table, kind string, l Lookup) ([]string, error) {
	var filter []store.Cond
	if kind != "" {
		filter = append(filter, store.Eq("kind", kind))
	}
	for _, w := range l.Others {
		filter = append(filter, store.Contains("text", w))
	}
	p, err := t.Query(ctx, store.Query{PK: TokenKey(kind, l.Key, "").PK, SK: store.SKPrefix(l.Key), Filter: filter, Limit: MaxHits})
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

// Words collects distinct index words from texts, emails and phones:
// first every word, every run of words typed without spaces (joined by
// "-") and every phone number, then, while there is room, the tails of
// those runs ("k1-1-example-test" of "acc-1-k1-1@example.test"), so that a
// search typed from any word of a run on finds it.
type Words struct {
	out   []string
	tails []string
	seen  map[string]bool
	max   int
}

// NewWords starts a word list of at most max words.
func NewWords(max int) *Words { return &Words{seen: map[string]bool{}, max: max} }

func (w *Words) add(t string) {
	if t != "" && !w.seen[t] && len(w.out) < w.max && len(t) <= 200 {
		w.seen[t] = true
		w.out = append(w.out, t)
	}
}

// Text adds the words of free text, and each run of words written without
// spaces whole and by its tails.
func (w *Words) Text(s ...string) *Words {
	for _, f := range strings.Fields(Normalize(strings.Join(s, " "))) {
		words := split(f)
		for _, t := range words {
			w.add(t)
		}
		if len(words) > 1 {
			w.add(joined(words))
			for i := 1; i < len(words)-1; i++ {
				w.tails = append(w.tails, joined(words[i:]))
			}
		}
	}
	return w
}

// Email adds an address whole, by its tails and by its words.
func (w *Words) Email(e string) *Words {
	if e != "" {
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
func (w *Words) List() []string {
	for _, t := range w.tails {
		w.add(t)
	}
	w.tails = nil
	return w.out
}
