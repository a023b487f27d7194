// Package httpapi is the API kernel every route group is mounted on: huma v2
// over net/http with the success envelope, RFC 9457 problems, pagination,
// filters, request ids, fa/en messages, time zones, rate-limit headers,
// authentication, permission checks, panic recovery and JSON logs.
package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"reflect"
	"sync"
	_ "time/tzdata" // X-Timezone must work on minimal Lambda images

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"payvand.dev/shared/auth"
)

// MaxBodyBytes caps every JSON request body (413 beyond).
const MaxBodyBytes = 1 << 20

// Realm says who may call a route.
type Realm string

const (
	Public      Realm = "public" // no credentials
	AdminOnly   Realm = "admin"  // SaaS admins
	TenantUsers Realm = "tenant" // users of a tenant
	AnyUser     Realm = "any"    // either realm
)

// Authenticator verifies the credentials of a request.
type Authenticator interface {
	// Authenticate returns the principal behind a bearer token or one of
	// the accepted cookies; an EUNAUTHORIZED error when there is none or
	// it is invalid.
	Authenticate(ctx context.Context, bearer string, cookies []*http.Cookie) (*auth.Principal, error)
}

// Config configures the kernel.
type Config struct {
	Title, Version string
	Auth           Authenticator
	Limiter        Limiter        // nil: no rate limiting
	Limits         map[string]int // requests per minute per rate class; 0 = off
	// PlanLimit, when set, gives a caller's plan-specific general limit
	// (0 = the default of Limits).
	PlanLimit   func(ctx context.Context, p *auth.Principal) int
	CursorKey   auth.KeySource // server secret the cursors' MAC uses
	Logger      *slog.Logger
	CORSOrigins []string // origins allowed to call with credentials ("*" = any)
	// Gate, when set, decides whether a tenant user's request may proceed
	// (organization status, subscription, the route's feature, the user's
	// own status) and returns the principal to use: the token's, or one
	// with the user's current role and modules when they changed since
	// the token was issued.
	Gate func(ctx context.Context, p *auth.Principal, feature string) (*auth.Principal, error)
	// PrebuiltOpenAPI, when set, is served at /api/openapi.json instead of
	// the document of the routes mounted here: the platform Lambda serves
	// the whole API's document without registering (and paying at cold
	// start for) every route group.
	PrebuiltOpenAPI []byte
	// LazyRoutes registers each operation with huma on its first request
	// instead of at start: a Lambda then pays at cold start only for the
	// operation it serves (huma builds schemas by reflection, ~0.1 ms an
	// operation). The OpenAPI document then lists only the operations
	// served so far, so only Lambdas with a prebuilt document use it.
	LazyRoutes bool
}

// Server is one HTTP API: the mux, the huma API on it and the middleware.
type Server struct {
	API     huma.API
	Mux     *http.ServeMux // every route; with LazyRoutes, stubs in front of inner
	Cursors *Cursors
	cfg     Config
	log     *slog.Logger

	inner *http.ServeMux // the huma API's own mux when routes are lazy
	regMu sync.Mutex     // huma registration is not safe for concurrent use
	names *schemaNamer   // names the document's schemas
}

// Route describes one operation and what it takes to call it.
type Route struct {
	Method  string
	Path    string
	ID      string // operation id
	Summary string
	Tags    []string
	Realm   Realm
	Module  string // module the caller needs ("" = any authenticated caller)
	// Capability the caller needs besides the module (e.g. manage_users);
	// checked with the module, before the body is read.
	Capability auth.Capability
	Feature    string // tenant feature the route belongs to ("" = none)
	// Ungated routes stay open whatever the organization's status (auth,
	// billing information).
	Ungated     bool
	Status      int    // success status (default 200)
	RateClass   string // rate limit class (default "general")
	MaxBodySize int64  // default MaxBodyBytes

	// Description, when the summary is not enough; the kernel adds who may
	// call, paging, the rate limit and the problem responses.
	Description string
}

func init() { installErrorModel() }

// New builds a server. Route groups register on it with Register.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	mux := http.NewServeMux()
	humaMux := mux
	if cfg.LazyRoutes {
		humaMux = http.NewServeMux()
	}
	hc := huma.DefaultConfig(cfg.Title, cfg.Version)
	hc.OpenAPIPath = "/api/openapi"
	hc.SchemasPath = "/api/schemas"
	// The docs page is ours (docs.go): huma's loads its viewer from a CDN.
	hc.DocsPath = ""
	serveDocs(mux)
	if cfg.PrebuiltOpenAPI != nil {
		hc.OpenAPIPath, hc.SchemasPath = "", ""
		servePrebuilt(mux, cfg.PrebuiltOpenAPI)
	}
	// No $schema member or Link header in responses: clients of both seeds
	// expect exactly the envelope.
	hc.CreateHooks = nil
	// One rule for every request body (DESIGN §5): members a route does
	// not use are ignored, never refused, so an SPA can send back the
	// object it read (id, created_at, version …).
	hc.AllowAdditionalPropertiesByDefault = true
	// Schema names, servers, security, problem responses, descriptions.
	names := newSchemaNamer()
	configureOpenAPI(&hc, names)
	api := humago.New(humaMux, hc)
	s := &Server{API: api, Mux: mux, Cursors: NewCursors(cfg.CursorKey), cfg: cfg, log: cfg.Logger, names: names}
	if cfg.LazyRoutes {
		s.inner = humaMux
	}
	api.UseMiddleware(s.authenticate, s.rateLimit)
	return s
}

// Register adds an operation with its access rules.
func Register[I, O any](s *Server, r Route, h func(context.Context, *I) (*O, error)) {
	op := huma.Operation{
		OperationID:   r.ID,
		Method:        r.Method,
		Path:          r.Path,
		Summary:       r.Summary,
		Description:   r.Description,
		Tags:          r.Tags,
		DefaultStatus: r.Status,
		MaxBodyBytes:  r.MaxBodySize,
		Metadata: map[string]any{
			"realm":   r.Realm,
			"module":  r.Module,
			"cap":     r.Capability,
			"rate":    r.RateClass,
			"feature": r.Feature,
			"ungated": r.Ungated,
		},
	}
	if op.MaxBodyBytes == 0 {
		op.MaxBodyBytes = MaxBodyBytes
	}
	if r.Realm != Public {
		op.Security = []map[string][]string{{"bearer": {}}}
	}
	if ff := freeFormFields(reflect.TypeFor[I](), nil, ""); len(ff) > 0 {
		inner := h
		h = func(ctx context.Context, in *I) (*O, error) {
			if err := checkFreeForms(in, ff); err != nil {
				return nil, err
			}
			return inner(ctx, in)
		}
	}
	if s.inner == nil {
		s.register(r.ID, reflect.TypeFor[I](), reflect.TypeFor[O](), func() { huma.Register(s.API, op, h) })
		return
	}
	var once sync.Once
	s.Mux.HandleFunc(r.Method+" "+r.Path, func(w http.ResponseWriter, req *http.Request) {
		once.Do(func() {
			s.regMu.Lock()
			defer s.regMu.Unlock()
			s.register(r.ID, reflect.TypeFor[I](), reflect.TypeFor[O](), func() { huma.Register(s.API, op, h) })
		})
		s.inner.ServeHTTP(w, req)
	})
}

// Handler returns the whole HTTP handler: recovery, request meta and logs
// around the mux, and problems for unknown routes.
func (s *Server) Handler() http.Handler {
	return s.requestMeta(s.logRequests(s.recoverer(s.cors(s.routeOrProblem(s.Mux)))))
}

// OpenAPIJSON is the OpenAPI 3.1 document of the mounted routes.
func (s *Server) OpenAPIJSON() ([]byte, error) {
	return json.MarshalIndent(s.API.OpenAPI(), "", "  ")
}

func servePrebuilt(mux *http.ServeMux, doc []byte) {
	mux.HandleFunc("GET /api/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/openapi+json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Write(doc)
	})
}
