package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/store"
)

// statusWriter remembers the status and whether anything was written.
type statusWriter struct {
	http.ResponseWriter
	status  int
	written bool
	bytes   int
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.written {
		w.status, w.written = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.written {
		w.status, w.written = http.StatusOK, true
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// WriteProblem writes a problem document outside huma.
func WriteProblem(w http.ResponseWriter, p *Problem) {
	for k, vs := range p.headers {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Language", string(parseLang(w.Header().Get("Content-Language"))))
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// recoverer turns a panic into a logged 500 problem instead of a dropped
// connection.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				ctx := r.Context()
				s.log.ErrorContext(ctx, "panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()),
					"request_id", MetaFrom(ctx).ID, "path", r.URL.Path)
				if !sw.written {
					p := NewProblem(ctx, http.StatusInternalServerError, Tc(ctx, "internal"))
					p.Instance = r.URL.Path
					WriteProblem(sw, p)
				}
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// Compiled on first use: package init is part of every cold start.
var validRequestID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`) })

// zones caches the parsed X-Timezone zones: time.LoadLocation parses the
// tz database on every call (6 µs and 3 KB here) and the SPA sends the
// header with every request. Only names that loaded are kept, so the tz
// database bounds the cache.
var zones sync.Map // name → *time.Location

func loadZone(name string) (*time.Location, error) {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err == nil {
		zones.Store(name, l)
	}
	return l, err
}

// requestMeta reads X-Request-ID, Accept-Language and X-Timezone once.
func (s *Server) requestMeta(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := &RequestMeta{ID: r.Header.Get("X-Request-ID"), Lang: parseLang(r.Header.Get("Accept-Language")), Location: time.UTC, Path: r.URL.Path}
		if !validRequestID().MatchString(m.ID) {
			m.ID = uuid.NewString()
		}
		h := w.Header()
		h.Set("X-Request-ID", m.ID)
		h.Set("Content-Language", string(m.Lang))
		// Security headers on every answer. Nothing is cacheable unless a
		// handler says so (public documents, avatars): answers carry tokens
		// and personal data.
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		ctx := withMeta(r.Context(), m)
		if tz := strings.TrimSpace(r.Header.Get("X-Timezone")); tz != "" {
			loc, err := loadZone(tz)
			if err != nil || tz == "Local" {
				p := NewProblem(ctx, http.StatusBadRequest, fmt.Sprintf("X-Timezone %q is not an IANA time zone", tz))
				p.Errors = map[string][]string{"X-Timezone": {Tc(ctx, "invalid-value")}}
				p.Instance = r.URL.Path
				WriteProblem(w, p)
				return
			}
			m.Location = loc
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// logRequests writes one JSON line per request with its storage cost.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx, st := store.WithStats(r.Context())
		sw, ok := w.(*statusWriter)
		if !ok {
			sw = &statusWriter{ResponseWriter: w}
		}
		defer func() {
			m := MetaFrom(ctx)
			level := slog.LevelInfo
			status := sw.status
			if r.Context().Err() != nil && (status >= 500 || !sw.written) {
				// A client that hung up is not a server error (499).
				status = StatusClientClosed
			}
			if status >= 500 {
				level = slog.LevelError
			}
			s.log.LogAttrs(ctx, level, "request",
				slog.String("request_id", m.ID),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
				slog.String("tenant", m.Tenant),
				slog.String("user", m.User),
				slog.Int64("store_reads", st.ReadRoundTrips.Load()),
				slog.Int64("store_writes", st.WriteRoundTrips.Load()),
				slog.Int64("items_read", st.ItemsRead.Load()),
				slog.Int64("items_written", st.ItemsWritten.Load()),
				slog.Int("bytes", sw.bytes),
			)
		}()
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}

// discardWriter records what the mux's own 404/405 handler would send.
type discardWriter struct {
	h      http.Header
	status int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(c int)           { d.status = c }

// routeOrProblem answers unknown paths and methods with problems.
func (s *Server) routeOrProblem(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		d := &discardWriter{h: http.Header{}}
		h.ServeHTTP(d, r)
		ctx := r.Context()
		var p *Problem
		if d.status == http.StatusMethodNotAllowed {
			p = NewProblem(ctx, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path))
			p.WithHeader("Allow", d.h.Get("Allow"))
		} else {
			p = NewProblem(ctx, http.StatusNotFound, Tc(ctx, "route-not-found"))
		}
		p.Instance = r.URL.Path
		WriteProblem(w, p)
	})
}

func bearerToken(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

func (s *Server) fail(hctx huma.Context, p *Problem) {
	p.Instance = hctx.URL().Path
	// The problem's headers replace any set earlier on the way (the rate
	// limiter's X-RateLimit-* must not appear twice on a 429).
	for k, vs := range p.headers {
		for i, v := range vs {
			if i == 0 {
				hctx.SetHeader(k, v)
			} else {
				hctx.AppendHeader(k, v)
			}
		}
	}
	huma.WriteErr(s.API, hctx, p.Status, p.Detail, p)
}

// authenticate verifies the caller of every non-public operation and
// checks its realm and module before the handler runs.
func (s *Server) authenticate(hctx huma.Context, next func(huma.Context)) {
	op := hctx.Operation()
	realm, _ := op.Metadata["realm"].(Realm)
	if realm == Public || realm == "" {
		next(hctx)
		return
	}
	ctx := hctx.Context()
	if s.cfg.Auth == nil {
		s.fail(hctx, NewProblem(ctx, http.StatusUnauthorized, Tc(ctx, "auth-required")))
		return
	}
	cookies, _ := http.ParseCookie(hctx.Header("Cookie"))
	bearer := bearerToken(hctx.Header("Authorization"))
	if bearer == "" && !safeMethod(hctx.Method()) && !s.trustedOrigin(hctx) {
		// A cookie rides along with any cross-site form post; a bearer
		// token does not. State changes on a cookie need a trusted Origin.
		s.fail(hctx, NewProblem(ctx, http.StatusForbidden, "cross-site request refused: the Origin is not trusted"))
		return
	}
	p, err := s.cfg.Auth.Authenticate(ctx, bearer, cookies)
	if err != nil {
		prob := FromError(ctx, err)
		if prob.Status == http.StatusUnauthorized {
			prob.WithHeader("WWW-Authenticate", `Bearer realm="payvand"`)
		}
		s.fail(hctx, prob)
		return
	}
	switch {
	case realm == AdminOnly && p.Realm != auth.RealmAdmin,
		realm == TenantUsers && p.Realm != auth.RealmTenant:
		s.fail(hctx, NewProblem(ctx, http.StatusForbidden, Tc(ctx, "realm-forbidden")))
		return
	}
	if ungated, _ := op.Metadata["ungated"].(bool); !ungated && s.cfg.Gate != nil {
		feature, _ := op.Metadata["feature"].(string)
		if p, err = s.cfg.Gate(ctx, p, feature); err != nil {
			s.fail(hctx, FromError(ctx, err))
			return
		}
	}
	if module, _ := op.Metadata["module"].(string); module != "" && !p.HasModule(module) {
		s.fail(hctx, NewProblem(ctx, http.StatusForbidden, Tc(ctx, "module-forbidden", module)))
		return
	}
	if c, _ := op.Metadata["cap"].(auth.Capability); c != "" && !p.Can(c) {
		s.fail(hctx, NewProblem(ctx, http.StatusForbidden, Tc(ctx, "capability-forbidden")))
		return
	}
	m := MetaFrom(ctx)
	m.Tenant, m.User = p.TenantKey, p.Subject
	next(huma.WithContext(hctx, auth.WithPrincipal(ctx, p)))
}

// ClientIP is the address the request came from (API Gateway's source IP
// reaches us as RemoteAddr through the Lambda adapter).
func ClientIP(ctx huma.Context) string {
	r := ctx.RemoteAddr()
	host, _, err := net.SplitHostPort(r)
	if err != nil {
		return r
	}
	return host
}

// rateLimit applies the route's rate class per caller and sets the
// X-RateLimit-* headers.
func (s *Server) rateLimit(hctx huma.Context, next func(huma.Context)) {
	class, _ := hctx.Operation().Metadata["rate"].(string)
	if class == "" {
		class = "general"
	}
	limit := s.cfg.Limits[class]
	if s.cfg.Limiter == nil || limit <= 0 {
		next(hctx)
		return
	}
	ctx := hctx.Context()
	who := "ip:" + ClientIP(hctx)
	if p := auth.PrincipalFrom(ctx); p != nil {
		who = string(p.Realm) + ":" + p.TenantKey + ":" + p.Subject
		if class == "general" && s.cfg.PlanLimit != nil {
			if n := s.cfg.PlanLimit(ctx, p); n > 0 {
				limit = n
			}
		}
	}
	d, err := s.cfg.Limiter.Take(store.WithoutStats(ctx), class+"|"+who, limit, time.Minute)
	if err != nil {
		// A limiter outage must not take the API down with it.
		s.log.WarnContext(ctx, "rate limiter unavailable", "err", err)
		next(hctx)
		return
	}
	setRateHeaders(hctx, d)
	if !d.Allowed {
		s.fail(hctx, TooManyRequests(ctx, d))
		return
	}
	next(hctx)
}

func setRateHeaders(hctx huma.Context, d Decision) {
	hctx.SetHeader("X-RateLimit-Limit", fmt.Sprint(d.Limit))
	hctx.SetHeader("X-RateLimit-Remaining", fmt.Sprint(d.Remaining))
	hctx.SetHeader("X-RateLimit-Reset", fmt.Sprint(d.Reset.Unix()))
}

// TooManyRequests is the 429 problem for a refused decision.
func TooManyRequests(ctx context.Context, d Decision) *Problem {
	wait := max(int(time.Until(d.Reset).Seconds()+0.999), 1)
	p := NewProblem(ctx, http.StatusTooManyRequests, Tc(ctx, "rate-limited", wait))
	p.WithHeader("Retry-After", fmt.Sprint(wait))
	p.WithHeader("X-RateLimit-Limit", fmt.Sprint(d.Limit))
	p.WithHeader("X-RateLimit-Remaining", "0")
	p.WithHeader("X-RateLimit-Reset", fmt.Sprint(d.Reset.Unix()))
	return p
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// trustedOrigin: the request's Origin (or Referer) is the API's own host or
// a configured SPA origin; requests with neither do not come from a
// browser page.
func (s *Server) trustedOrigin(hctx huma.Context) bool {
	src := hctx.Header("Origin")
	if src == "" {
		src = hctx.Header("Referer")
	}
	if src == "" {
		return true
	}
	u, err := url.Parse(src)
	if err != nil {
		return false
	}
	origin := u.Scheme + "://" + u.Host
	// "*" in the CORS origins never makes a site trusted here.
	return u.Host == hctx.Host() || (origin != "*" && slices.Contains(s.cfg.CORSOrigins, origin))
}
