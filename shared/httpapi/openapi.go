package httpapi

import (
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/danielgtaylor/huma/v2"
)

// This file makes the OpenAPI document valid and complete for every route
// group at once: clean component names, `security: []` on public
// operations, a server, the problem responses each operation can give and
// a description of what is common to all operations.

const (
	schemaPrefix   = "#/components/schemas/"
	responsePrefix = "#/components/responses/"
	headerPrefix   = "#/components/headers/"
)

// apiDescription is the document's own description: what every operation
// has in common.
const apiDescription = `Payvand: multi-tenant CRM and work management.

**Answers.** A success is ` + "`" + `{"success": true, "data": …, "message": "…"}` + "`" + `; a list adds
` + "`pagination`" + ` (page, limit, total, pages, next_cursor), ` + "`links`" + ` (first, prev, next, last) and IshYar's ` + "`meta`" + `.

**Errors** are RFC 9457 problem documents (` + "`application/problem+json`" + `, schema ` + "`Problem`" + `): ` + "`type`, `title`, `status`, `detail`, `instance`" + `,
` + "`errors`" + ` (field → list of messages) and the members both seeds' clients read: ` + "`success: false`" + `, ` + "`error`" + ` (the code, e.g. ` + "`validation-error`" + `),
` + "`message`" + ` and ` + "`request_id`" + `. Checks run in this order: authentication (401), then realm, organization status, feature, module and
capability (403; 402 when the organization's subscription has expired), then the body and the ids in it (422/404), then the business rules (409).

**Authentication.** An access token (JWT, 15 minutes) in ` + "`Authorization: Bearer`" + `, or one of the session cookies the login operations set.
Operations marked with no security are public.

**Request bodies** may carry members an operation does not use (for example the id, created_at and version of an object read before): they are ignored, never refused.

**Lists** take ` + "`page`" + ` with ` + "`limit`" + ` or ` + "`per_page`" + ` (at most 100, default 20), or ` + "`cursor`" + ` (the previous page's ` + "`pagination.next_cursor`" + `: the fast path),
` + "`sort=-created_at`" + `, ` + "`search=`" + `, filters as ` + "`status=active`" + ` or ` + "`filter[status]=active`" + `, and ` + "`include=`" + ` where the resource has relations.

**Headers.** ` + "`X-Request-ID`" + ` is echoed (generated when absent); ` + "`Accept-Language: en|fa`" + ` localizes messages; ` + "`X-Timezone`" + ` (IANA) sets the
time zone of dates; ` + "`X-Tenant-Key`" + ` names the organization where no token does yet. Rate limits (per caller, per minute) answer 429 with
` + "`Retry-After`" + ` and the ` + "`X-RateLimit-*`" + ` headers.`

// configureOpenAPI sets the document-wide parts of the huma config.
func configureOpenAPI(hc *huma.Config, names *schemaNamer) {
	hc.Components.Schemas = huma.NewMapRegistry(schemaPrefix, names.name)
	hc.Info.Description = apiDescription
	// Relative: the document describes the host that serves it.
	hc.Servers = []*huma.Server{{URL: "/", Description: "This server"}}
	hc.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT",
			Description: "The access token of a login (15 minutes). Browsers may instead send the session cookies the login set."},
	}
	problem := hc.Components.Schemas.Schema(reflect.TypeFor[Problem](), true, "Problem")
	hc.Components.Headers = responseHeaders()
	hc.Components.Responses = problemResponses(problem)
	hc.OnAddOperation = append(hc.OnAddOperation, documentOperation)
}

// register registers one operation with huma, telling the namer which
// operation the types to come belong to.
func (s *Server) register(id string, in, out reflect.Type, register func()) {
	s.names.operation(id, in, out)
	register()
	// huma registers FormFile while reading a multipart body, whose schema
	// it writes inline: the component would be unused.
	if name, ok := s.names.byType[reflect.TypeFor[huma.FormFile]()]; ok {
		delete(s.API.OpenAPI().Components.Schemas.Map(), name)
	}
}

// responseHeaders are the headers answers carry, referenced by the responses.
func responseHeaders() map[string]*huma.Header {
	str := func(d string) *huma.Header {
		return &huma.Header{Description: d, Schema: &huma.Schema{Type: huma.TypeString}}
	}
	num := func(d string) *huma.Header {
		return &huma.Header{Description: d, Schema: &huma.Schema{Type: huma.TypeInteger}}
	}
	return map[string]*huma.Header{
		"X-Request-ID":          str("The request's id: the one sent, or a generated one. Quote it to support."),
		"X-RateLimit-Limit":     num("Requests allowed per minute in the operation's rate class."),
		"X-RateLimit-Remaining": num("Requests left in the current minute."),
		"X-RateLimit-Reset":     num("When the current window ends (Unix seconds)."),
		"Retry-After":           num("Seconds to wait before trying again."),
		"WWW-Authenticate":      str("The authentication scheme to use: Bearer."),
	}
}

func headerRefs(names ...string) map[string]*huma.Header {
	m := make(map[string]*huma.Header, len(names))
	for _, n := range names {
		m[n] = &huma.Header{Ref: headerPrefix + n}
	}
	return m
}

// problemStatus is one reusable problem response.
type problemStatus struct {
	status      int
	name        string // component name
	description string
	example     map[string]any
	headers     []string
}

var problemStatuses = []problemStatus{
	{http.StatusBadRequest, "BadRequest", "The request is malformed: a body that is not JSON, or a header such as X-Timezone with an invalid value.",
		map[string]any{"errors": map[string]any{"body": []any{"The request body is not valid JSON."}}, "detail": "The request body is not valid JSON."}, nil},
	{http.StatusUnauthorized, "Unauthorized", "No valid credentials: the access token is missing, invalid or expired (refresh it), or the account is no longer active.",
		map[string]any{"detail": "Authentication required."}, []string{"WWW-Authenticate"}},
	{http.StatusPaymentRequired, "PaymentRequired", "The organization's subscription has expired.",
		map[string]any{"detail": "the organization's subscription has expired; renew it to continue"}, nil},
	{http.StatusForbidden, "Forbidden", "The caller may not do this: wrong realm, organization suspended or inactive, feature not enabled, or the module or capability is not granted.",
		map[string]any{"detail": "You do not have access to this module: customers."}, nil},
	{http.StatusNotFound, "NotFound", "The resource, or one the body names, does not exist (or belongs to another organization).",
		map[string]any{"detail": "customer not found"}, nil},
	{http.StatusConflict, "Conflict", "A business rule refuses the change: a duplicate, a stale `version`, or a state that does not allow it.",
		map[string]any{"detail": "the record was changed by someone else; reload it and try again"}, nil},
	{http.StatusRequestEntityTooLarge, "PayloadTooLarge", "The body is larger than the operation accepts.",
		map[string]any{"detail": "The request body is larger than 1048576 bytes.", "errors": map[string]any{"body": []any{"The request body is larger than 1048576 bytes."}}}, nil},
	{http.StatusUnprocessableEntity, "ValidationError", "A parameter or a member of the body is invalid; `errors` names each field with its messages.",
		map[string]any{"detail": "The request is invalid.", "errors": map[string]any{"email": []any{"This field is required."}}}, nil},
	{http.StatusTooManyRequests, "TooManyRequests", "The caller's rate limit is used up; wait `Retry-After` seconds.",
		map[string]any{"detail": "Too many requests; try again in 42 seconds."}, []string{"Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}},
	{http.StatusInternalServerError, "InternalError", "Something failed on the server; the answer says nothing more. Quote `request_id` to support.",
		map[string]any{"detail": "An internal error occurred."}, nil},
}

func problemResponses(problem *huma.Schema) map[string]*huma.Response {
	m := make(map[string]*huma.Response, len(problemStatuses))
	for _, ps := range problemStatuses {
		slug := slugOfStatus(ps.status)
		ex := map[string]any{
			"type": ProblemTypeBase + slug, "title": T(English, slug), "status": ps.status,
			"instance": "/api/customers", "success": false, "error": slug,
			"request_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
		}
		for k, v := range ps.example {
			ex[k] = v
		}
		ex["message"] = ex["detail"]
		hs := headerRefs(append([]string{"X-Request-ID"}, ps.headers...)...)
		m[ps.name] = &huma.Response{
			Description: ps.description,
			Headers:     hs,
			Content:     map[string]*huma.MediaType{"application/problem+json": {Schema: problem, Example: ex}},
		}
	}
	return m
}

// documentOperation completes each operation as huma adds it to the
// document: security, problem responses, headers, enums and description.
func documentOperation(oapi *huma.OpenAPI, op *huma.Operation) {
	realm, _ := op.Metadata["realm"].(Realm)
	public := realm == Public || realm == ""
	if public {
		// Explicitly no security: the document has a security scheme.
		op.Security = []map[string][]string{}
	}
	hasBody := op.RequestBody != nil
	hasPath := false
	for _, p := range op.Parameters {
		if p.In == "path" {
			hasPath = true
		}
	}
	ungated, _ := op.Metadata["ungated"].(bool)
	write := op.Method != http.MethodGet && op.Method != http.MethodHead

	codes := []int{http.StatusBadRequest}
	if !public {
		codes = append(codes, http.StatusUnauthorized, http.StatusForbidden)
		if !ungated && realm != AdminOnly {
			codes = append(codes, http.StatusPaymentRequired)
		}
	}
	if hasPath || (hasBody && write) {
		codes = append(codes, http.StatusNotFound)
	}
	if write {
		codes = append(codes, http.StatusConflict)
	}
	if hasBody {
		codes = append(codes, http.StatusRequestEntityTooLarge)
	}
	if hasBody || len(op.Parameters) > 0 {
		codes = append(codes, http.StatusUnprocessableEntity)
	}
	codes = append(codes, http.StatusTooManyRequests, http.StatusInternalServerError)

	// huma's own error responses are replaced by the reusable problem ones.
	delete(op.Responses, "default")
	for code, r := range op.Responses {
		if n, err := strconv.Atoi(code); err == nil && n >= 400 {
			delete(op.Responses, code)
			continue
		}
		if strings.HasPrefix(code, "2") {
			if r.Headers == nil {
				r.Headers = map[string]*huma.Header{}
			}
			for name, h := range headerRefs("X-Request-ID", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset") {
				if _, ok := r.Headers[name]; !ok {
					r.Headers[name] = h
				}
			}
			for _, mt := range r.Content {
				markSuccess(oapi.Components.Schemas, mt.Schema)
			}
		}
	}
	for _, c := range codes {
		for _, ps := range problemStatuses {
			if ps.status == c {
				op.Responses[strconv.Itoa(c)] = &huma.Response{Ref: responsePrefix + ps.name}
			}
		}
	}
	op.Description = operationDescription(op, realm, public)
}

// markSuccess gives the `success` member of a success body its one value.
func markSuccess(r huma.Registry, s *huma.Schema) {
	if s == nil {
		return
	}
	if s.Ref != "" {
		s = r.SchemaFromRef(s.Ref)
	}
	if s == nil || s.Properties == nil {
		return
	}
	if p := s.Properties["success"]; p != nil && p.Type == huma.TypeBoolean && len(p.Enum) == 0 {
		p.Enum = []any{true}
		p.PrecomputeMessages()
	}
}

// operationDescription adds what the summary does not say: who may call,
// how lists page, how the operation is limited and how it fails.
func operationDescription(op *huma.Operation, realm Realm, public bool) string {
	var b strings.Builder
	if op.Description != "" {
		b.WriteString(strings.TrimSpace(op.Description))
		b.WriteString("\n\n")
	}
	b.WriteString("**Access:** ")
	switch realm {
	case Public, "":
		b.WriteString("public, no credentials.")
	case AdminOnly:
		b.WriteString("SaaS administrators.")
	case TenantUsers:
		b.WriteString("users of an organization")
	case AnyUser:
		b.WriteString("any signed-in user (SaaS administrator or user of an organization)")
	}
	if !public && realm != AdminOnly {
		if m, _ := op.Metadata["module"].(string); m != "" {
			b.WriteString(" with the `" + m + "` module")
		}
		if c := stringOf(op.Metadata["cap"]); c != "" {
			b.WriteString(" and the `" + c + "` capability")
		}
		if f, _ := op.Metadata["feature"].(string); f != "" {
			b.WriteString("; the organization needs the `" + f + "` feature")
		}
		b.WriteString(".")
	}
	if isList(op) {
		b.WriteString(" **Paging:** `page` with `limit` or `per_page` (at most 100), or `cursor` from `pagination.next_cursor`; `links` holds the neighbouring pages.")
	}
	switch rate, _ := op.Metadata["rate"].(string); rate {
	case "", "general":
		b.WriteString(" **Rate limit:** the general one, per caller.")
	default:
		b.WriteString(" **Rate limit:** the `" + rate + "` class, per caller.")
	}
	b.WriteString(" Errors are `application/problem+json` problems (see the responses).")
	return b.String()
}

// stringOf reads a metadata value of any string type (auth.Capability …).
func stringOf(v any) string {
	if rv := reflect.ValueOf(v); rv.IsValid() && rv.Kind() == reflect.String {
		return rv.String()
	}
	return ""
}

func isList(op *huma.Operation) bool {
	for _, p := range op.Parameters {
		if p.In == "query" && (p.Name == "cursor" || p.Name == "per_page") {
			return true
		}
	}
	return false
}

// schemaNamer names the document's schemas after what they are: plain
// types by their Go name, Envelope[T] as TEnvelope and Collection[T] as
// TList (without a View suffix), other generic types with their arguments
// in front (LoginBody[AdminView] → AdminLoginBody), anonymous bodies after
// their operation (OperationRequest, OperationResponse) and unexported
// types declared in a route's function after its operation. Every name
// matches ^[A-Za-z0-9._-]+$ and names one type only.
//
// Registration with huma is serialized (huma's registry is not safe for
// concurrent use), and so is the namer: it keeps no lock.
type schemaNamer struct {
	op     string                  // id of the operation being registered
	byType map[reflect.Type]string // chosen names
	byName map[string]reflect.Type
	expect map[reflect.Type]string // anonymous bodies of the operation being registered
}

func newSchemaNamer() *schemaNamer {
	return &schemaNamer{byType: map[reflect.Type]string{}, byName: map[string]reflect.Type{}, expect: map[reflect.Type]string{}}
}

// operation announces the operation whose types come next: its anonymous
// request and response bodies are named after it.
func (n *schemaNamer) operation(id string, in, out reflect.Type) {
	n.op = id
	clear(n.expect)
	for t, suffix := range map[reflect.Type]string{in: "Request", out: "Response"} {
		t = derefType(t)
		if t.Kind() != reflect.Struct {
			continue
		}
		f, ok := t.FieldByName("Body")
		if !ok {
			continue
		}
		bt := derefType(f.Type)
		if bt.Kind() == reflect.Struct && bt.Name() == "" {
			n.expect[bt] = pascal(id) + suffix
		}
	}
}

func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// name is the registry's namer.
func (n *schemaNamer) name(t reflect.Type, hint string) string {
	t = derefType(t)
	if t.Kind() != reflect.Struct {
		// Only structs become components; the name is not used.
		return sanitizeName(huma.DefaultSchemaNamer(t, hint))
	}
	if name, ok := n.byType[t]; ok {
		return name
	}
	name := n.unique(sanitizeName(n.choose(t, hint)), t)
	n.byType[t] = name
	n.byName[name] = t
	return name
}

func (n *schemaNamer) choose(t reflect.Type, hint string) string {
	if t.Name() == "" {
		if name, ok := n.expect[t]; ok {
			return name
		}
		// A nested anonymous struct: huma hints <Parent><Field>Struct, or
		// <Parent>Item / <Parent>Value for elements of slices and maps.
		base := pascal(strings.TrimSuffix(hint, "Struct"))
		if op := pascal(n.op); op != "" && !strings.HasPrefix(base, op) {
			base = op + base
		}
		if base == "" {
			base = "Object"
		}
		return base
	}
	base, args := splitGeneric(t.Name())
	if len(args) == 0 {
		return n.plain(t, base)
	}
	if t.PkgPath() == reflect.TypeFor[Problem]().PkgPath() {
		if f, ok := t.FieldByName("Data"); ok {
			switch base {
			case "Envelope":
				return n.dataName(f.Type) + "Envelope"
			case "Collection":
				return n.dataName(f.Type.Elem()) + "List"
			}
		}
	}
	var b strings.Builder
	for _, a := range args {
		b.WriteString(argName(a))
	}
	b.WriteString(pascal(stripLocal(base)))
	return b.String()
}

// plain names a non-generic named type.
func (n *schemaNamer) plain(t reflect.Type, name string) string {
	name = stripLocal(name)
	r := []rune(name)
	if len(r) == 0 || !unicode.IsLower(r[0]) || n.op == "" {
		return pascal(name)
	}
	// An unexported type, usually declared in the function that registers
	// its operation: the operation says what it is.
	op := pascal(n.op)
	short := strings.ToLower(trimSuffixes(name, "Output", "Out", "Body", "Result", "Response"))
	switch {
	case short == "" || slices.Contains([]string{"data", "payload", "res", "resp", "view"}, short):
		return op + "Result"
	case strings.Contains(strings.ToLower(op), short):
		return op
	}
	return op + pascal(name)
}

// dataName names the data of an envelope or list.
func (n *schemaNamer) dataName(t reflect.Type) string {
	t = derefType(t)
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return n.dataName(t.Elem()) + "Array"
	case reflect.Map:
		if derefType(t.Elem()).Kind() == reflect.Interface {
			return "Object"
		}
		return n.dataName(t.Elem()) + "Map"
	case reflect.Interface:
		return ""
	case reflect.Struct:
		return trimView(n.name(t, ""))
	}
	if t.Name() != "" {
		return trimView(pascal(stripLocal(t.Name())))
	}
	return pascal(t.Kind().String())
}

// unique keeps one name per type: a second type with the same name gets
// its package's name in front, then a number.
func (n *schemaNamer) unique(name string, t reflect.Type) string {
	if name == "" {
		name = "Object"
	}
	if other, ok := n.byName[name]; !ok || other == t {
		return name
	}
	pkg := t.PkgPath()
	pkg = strings.TrimSuffix(pkg[strings.LastIndex(pkg, "/")+1:], "api")
	if q := pascal(pkg) + name; pkg != "" {
		if other, ok := n.byName[q]; !ok || other == t {
			return q
		}
	}
	for i := 2; ; i++ {
		q := name + strconv.Itoa(i)
		if other, ok := n.byName[q]; !ok || other == t {
			return q
		}
	}
}

// splitGeneric splits "pkg.Name[A, B]" into "pkg.Name" and its arguments.
func splitGeneric(s string) (string, []string) {
	i := strings.IndexByte(s, '[')
	if i <= 0 || !strings.HasSuffix(s, "]") {
		return s, nil
	}
	var args []string
	depth, start := 0, i+1
	for j := i + 1; j < len(s)-1; j++ {
		switch s[j] {
		case '[':
			depth++
		case ']':
			depth--
		case ',':
			if depth == 0 {
				args = append(args, strings.TrimSpace(s[start:j]))
				start = j + 1
			}
		}
	}
	args = append(args, strings.TrimSpace(s[start:len(s)-1]))
	return s[:i], args
}

// argName names a type argument as reflect spells it, e.g.
// "*payvand.dev/functions/api/authapi.AdminView" → "Admin".
func argName(s string) string {
	s = strings.TrimLeft(strings.TrimSpace(s), "*")
	switch {
	case strings.HasPrefix(s, "[]"):
		return argName(s[2:]) + "Array"
	case strings.HasPrefix(s, "map["):
		depth := 0
		for j := 3; j < len(s); j++ {
			if s[j] == '[' {
				depth++
			} else if s[j] == ']' {
				if depth--; depth == 0 {
					v := strings.TrimSpace(s[j+1:])
					if v == "interface {}" || v == "any" {
						return "Object"
					}
					return argName(v) + "Map"
				}
			}
		}
		return "Object"
	case s == "interface {}" || s == "any":
		return "Any"
	case strings.HasPrefix(s, "struct"):
		return "Object"
	}
	base, args := splitGeneric(s)
	base = base[strings.LastIndex(base, "/")+1:]
	base = base[strings.IndexByte(base, '.')+1:]
	var b strings.Builder
	for _, a := range args {
		b.WriteString(argName(a))
	}
	b.WriteString(trimView(pascal(stripLocal(base))))
	return b.String()
}

// stripLocal removes the "·N" reflect gives types declared in functions.
func stripLocal(s string) string {
	if i := strings.Index(s, "·"); i >= 0 {
		return s[:i]
	}
	return s
}

func trimView(s string) string {
	if t := strings.TrimSuffix(s, "View"); t != "" {
		return t
	}
	return s
}

// trimSuffixes removes the first of suffixes s ends with, in any case.
func trimSuffixes(s string, suffixes ...string) string {
	for _, x := range suffixes {
		if len(s) >= len(x) && strings.EqualFold(s[len(s)-len(x):], x) {
			return s[:len(s)-len(x)]
		}
	}
	return s
}

// pascal turns "tenant-products-create" into "TenantProductsCreate" and
// keeps "UserView" as it is.
func pascal(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			if up && r >= 'a' && r <= 'z' {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			up = false
			continue
		}
		up = true
	}
	return b.String()
}

// sanitizeName keeps only the characters component names may have.
func sanitizeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
