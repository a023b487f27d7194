package httpapi

import (
	"context"
	"time"
)

// RequestMeta is what the kernel learns about a request before any handler.
type RequestMeta struct {
	ID       string
	Lang     Lang
	Location *time.Location // from X-Timezone, UTC by default
	Tenant   string         // tenant key once authenticated (for logs)
	User     string         // user or admin id once authenticated (for logs)
	Path     string         // URL path, for links
}

type metaKey struct{}

func withMeta(ctx context.Context, m *RequestMeta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// MetaFrom returns the request's meta (a zero value outside requests).
func MetaFrom(ctx context.Context) *RequestMeta {
	if m, ok := ctx.Value(metaKey{}).(*RequestMeta); ok {
		return m
	}
	return &RequestMeta{Lang: English, Location: time.UTC}
}

// LangFrom returns the language of the request.
func LangFrom(ctx context.Context) Lang { return MetaFrom(ctx).Lang }

// LocationFrom returns the time zone of the request.
func LocationFrom(ctx context.Context) *time.Location {
	if l := MetaFrom(ctx).Location; l != nil {
		return l
	}
	return time.UTC
}
