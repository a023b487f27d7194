package httpapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
)

const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// ListParams are the query parameters every list accepts. Embed it in a
// route's input struct.
type ListParams struct {
	Page    int    `query:"page" minimum:"1" doc:"Page number (1-based). Cursor paging is faster for deep pages."`
	Limit   int    `query:"limit" minimum:"1" doc:"Items per page (max 100, default 20)."`
	PerPage int    `query:"per_page" minimum:"1" doc:"Alias of limit (IshYar)."`
	Cursor  string `query:"cursor" doc:"Opaque cursor from pagination.next_cursor."`
	Sort    string `query:"sort" doc:"Sort field, '-' prefix for descending, e.g. -created_at."`
	Search  string `query:"search" doc:"Free-text search."`
	Include string `query:"include" doc:"Comma-separated relations to include."`

	query url.Values
}

// Resolve keeps the raw query so that filter[x] parameters can be read.
func (p *ListParams) Resolve(ctx huma.Context) []error {
	u := ctx.URL()
	p.query = u.Query()
	return nil
}

// Filter returns the value of a filter given as filter[name]=v or name=v.
func (p *ListParams) Filter(name string) string {
	if v := p.query.Get("filter[" + name + "]"); v != "" {
		return strings.TrimSpace(v)
	}
	return strings.TrimSpace(p.query.Get(name))
}

// Size returns the effective page size.
func (p *ListParams) Size() int {
	n := p.Limit
	if p.PerPage > 0 {
		n = p.PerPage
	}
	if n <= 0 {
		n = DefaultPageSize
	}
	return min(n, MaxPageSize)
}

// PageNumber returns the 1-based page.
func (p *ListParams) PageNumber() int { return max(p.Page, 1) }

// Includes reports whether include= names rel.
func (p *ListParams) Includes(rel string) bool {
	for _, r := range strings.Split(p.Include, ",") {
		if strings.TrimSpace(r) == rel {
			return true
		}
	}
	return false
}

// SortField returns the sort field and whether it is descending; def when
// no sort was asked.
func (p *ListParams) SortField(def string) (string, bool) {
	s := strings.TrimSpace(p.Sort)
	if s == "" {
		s = def
	}
	if f, ok := strings.CutPrefix(s, "-"); ok {
		return f, true
	}
	return strings.TrimPrefix(s, "+"), false
}

// Cursors seals store cursors so that a client can neither forge nor reuse
// them in another tenant or another list: the HMAC covers the tenant, the
// list's scope and the store cursor.
type Cursors struct{ key auth.KeySource }

// NewCursors uses the server secret of key for the MAC.
func NewCursors(key auth.KeySource) *Cursors { return &Cursors{key: key} }

func (c *Cursors) mac(ctx context.Context, scope, raw string) ([]byte, error) {
	k, err := c.key()
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, append([]byte("cursor:"), k...))
	tenant := ""
	if p := auth.PrincipalFrom(ctx); p != nil {
		tenant = string(p.Realm) + ":" + p.TenantKey
	}
	m.Write([]byte(tenant + "\x00" + scope + "\x00" + raw))
	return m.Sum(nil)[:16], nil
}

// Seal returns the client-facing cursor ("" for "").
func (c *Cursors) Seal(ctx context.Context, scope, raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	mac, err := c.mac(ctx, scope, raw)
	if err != nil {
		return "", err
	}
	return raw + "." + base64.RawURLEncoding.EncodeToString(mac), nil
}

// Open checks a client cursor and returns the store cursor; EINVALID when
// it was altered or minted for another tenant or list.
func (c *Cursors) Open(ctx context.Context, scope, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	i := strings.LastIndexByte(sealed, '.')
	if i < 0 {
		return "", cursorErr()
	}
	raw, sig := sealed[:i], sealed[i+1:]
	want, err := c.mac(ctx, scope, raw)
	if err != nil {
		return "", err
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, want) {
		return "", cursorErr()
	}
	return raw, nil
}

// Window opens the client's cursor and says where the page starts: at the
// store cursor, or, when the client pages by number, at the offset of the
// page's first item.
func (c *Cursors) Window(ctx context.Context, scope string, p *ListParams) (cursor string, offset int, err error) {
	cursor, err = c.Open(ctx, scope, p.Cursor)
	if err != nil || cursor != "" {
		return cursor, 0, err
	}
	return "", (p.PageNumber() - 1) * p.Size(), nil
}

func cursorErr() error {
	return &crm.Error{Code: crm.EVALIDATION, Message: "the cursor is invalid or belongs to another query", Key: "cursor-invalid",
		Fields: map[string][]string{"cursor": {"cursor-invalid"}}}
}

// SealedList seals the store's next cursor for scope and builds the
// collection body of the page.
func SealedList[T any](ctx context.Context, c *Cursors, scope string, p *ListParams, items []T, total int, next string) (*ListBody[T], error) {
	sealed, err := c.Seal(ctx, scope, next)
	if err != nil {
		return nil, err
	}
	return NewList(ctx, p, items, total, sealed), nil
}

// NewList builds a collection body for one page of a list.
func NewList[T any](ctx context.Context, p *ListParams, items []T, total int, nextCursor string) *ListBody[T] {
	size, page := p.Size(), p.PageNumber()
	pages := (total + size - 1) / size
	if items == nil {
		items = []T{}
	}
	m := MetaFrom(ctx)
	link := func(n int, cursor string) *string {
		u := url.URL{Path: m.Path}
		q := url.Values{}
		for k, v := range p.query {
			q[k] = v
		}
		q.Del("cursor")
		q.Set("page", strconv.Itoa(n))
		q.Set("limit", strconv.Itoa(size))
		q.Del("per_page")
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		u.RawQuery = q.Encode()
		s := u.String()
		return &s
	}
	var links Links
	links.First = link(1, "")
	links.Last = link(max(pages, 1), "")
	if page > 1 {
		links.Prev = link(page-1, "")
	}
	if nextCursor != "" || page < pages {
		links.Next = link(page+1, nextCursor)
	}
	from, to := 0, 0
	if len(items) > 0 {
		from = (page-1)*size + 1
		to = from + len(items) - 1
	}
	var next *string
	if nextCursor != "" {
		next = &nextCursor
	}
	return &ListBody[T]{Body: Collection[T]{
		Success:    true,
		Data:       items,
		Pagination: Pagination{Page: page, Limit: size, Total: total, Pages: pages, NextCursor: next},
		Links:      links,
		Meta:       ListMeta{CurrentPage: page, From: from, LastPage: max(pages, 1), PerPage: size, To: to, Total: total, Path: m.Path},
	}}
}

// SetFilter fixes a filter whatever the client sent (a route that is a
// view of a list with one filter applied).
func (p *ListParams) SetFilter(name, value string) {
	if p.query == nil {
		p.query = url.Values{}
	}
	p.query.Del("filter[" + name + "]")
	p.query.Set(name, value)
}
