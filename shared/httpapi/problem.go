package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/shared/crm"
)

// StatusClientClosed is nginx's 499: the client closed the connection
// before the answer. It is logged, never seen by a client.
const StatusClientClosed = 499

// ProblemTypeBase prefixes every problem type URI.
const ProblemTypeBase = "https://payvand.dev/problems/"

// Problem is an RFC 9457 problem document with the extension members both
// seeds' clients read: success, error (the code) and message. Its tags and
// TransformSchema make the OpenAPI schema say exactly what is sent.
type Problem struct {
	_        struct{}            `additionalProperties:"false"`
	Type     string              `json:"type" format:"uri" doc:"URI of the problem type: https://payvand.dev/problems/<error>"`
	Title    string              `json:"title" doc:"Short, localized summary of the problem type"`
	Status   int                 `json:"status" minimum:"400" maximum:"599" doc:"The HTTP status"`
	Detail   string              `json:"detail,omitempty" doc:"What went wrong with this request (localized)"`
	Instance string              `json:"instance,omitempty" format:"uri-reference" doc:"The path of the request"`
	Errors   map[string][]string `json:"errors,omitempty" doc:"Field (body member, query parameter or header) → its messages"`
	Success  bool                `json:"success" doc:"Always false"`
	Error_   string              `json:"error" doc:"The problem's code, the last segment of type"`
	Message  string              `json:"message" doc:"The same text as detail (Rabin's clients read message)"`
	// RequestID lets a user quote the failing request to support.
	RequestID string `json:"request_id,omitempty" doc:"The request's id (X-Request-ID)"`
	// Extra members some problems carry (e.g. organizations to choose from).
	Extra map[string]any `json:"extra,omitempty" doc:"Members particular problems carry, e.g. organizations (a login whose email belongs to several)"`

	headers http.Header
}

// TransformSchema fixes the members that have a fixed set of values.
func (Problem) TransformSchema(r huma.Registry, s *huma.Schema) *huma.Schema {
	if p := s.Properties["success"]; p != nil {
		p.Enum = []any{false}
		p.PrecomputeMessages()
	}
	if p := s.Properties["error"]; p != nil {
		for _, c := range problemCodes() {
			p.Enum = append(p.Enum, c)
		}
		p.PrecomputeMessages()
	}
	return s
}

// problemCodes lists every value of a problem's error member.
func problemCodes() []string {
	codes := []string{"method-not-allowed", "unsupported-media-type"}
	for _, v := range statusOf {
		codes = append(codes, v.slug)
	}
	slices.Sort(codes)
	return slices.Compact(codes)
}

func (p *Problem) Error() string  { return p.Title + ": " + p.Detail }
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma answer with application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" || ct == "" {
		return "application/problem+json"
	}
	return ct
}

// GetHeaders lets huma send headers with the problem (Retry-After, …).
func (p *Problem) GetHeaders() http.Header { return p.headers }

// WithHeader adds a response header to the problem.
func (p *Problem) WithHeader(k, v string) *Problem {
	if p.headers == nil {
		p.headers = http.Header{}
	}
	p.headers.Set(k, v)
	return p
}

// statusOf is the one table from domain codes to HTTP statuses and slugs.
var statusOf = map[string]struct {
	status int
	slug   string
}{
	crm.EINVALID:      {http.StatusBadRequest, "bad-request"},
	crm.EVALIDATION:   {http.StatusUnprocessableEntity, "validation-error"},
	crm.EUNAUTHORIZED: {http.StatusUnauthorized, "unauthorized"},
	crm.EPAYMENT:      {http.StatusPaymentRequired, "payment-required"},
	crm.EFORBIDDEN:    {http.StatusForbidden, "forbidden"},
	crm.ENOTFOUND:     {http.StatusNotFound, "not-found"},
	crm.ECONFLICT:     {http.StatusConflict, "conflict"},
	crm.ETOOLARGE:     {http.StatusRequestEntityTooLarge, "payload-too-large"},
	crm.ERATELIMIT:    {http.StatusTooManyRequests, "rate-limit"},
	crm.EINTERNAL:     {http.StatusInternalServerError, "server-error"},
}

func slugOfStatus(status int) string {
	for _, v := range statusOf {
		if v.status == status {
			return v.slug
		}
	}
	switch status {
	case http.StatusMethodNotAllowed:
		return "method-not-allowed"
	case http.StatusUnsupportedMediaType:
		return "unsupported-media-type"
	}
	if status >= 500 {
		return "server-error"
	}
	return "bad-request"
}

// NewProblem builds a localized problem for a status.
func NewProblem(ctx context.Context, status int, detail string) *Problem {
	slug := slugOfStatus(status)
	lang := LangFrom(ctx)
	m := MetaFrom(ctx)
	return &Problem{
		Type:      ProblemTypeBase + slug,
		Title:     T(lang, slug),
		Status:    status,
		Detail:    detail,
		Success:   false,
		Error_:    slug,
		Message:   detail,
		RequestID: m.ID,
	}
}

// FromError converts any error into a problem. Domain errors keep their
// code and client-safe message (localized when they name a message key);
// anything else is logged and answered as a bare 500.
func FromError(ctx context.Context, err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		// The client went away (or the request ran out of time) while we
		// worked: not our error, and nobody reads the answer.
		return NewProblem(ctx, StatusClientClosed, "the client closed the request")
	}
	var de *crm.Error
	if !errors.As(err, &de) || de.Code == crm.EINTERNAL {
		slog.ErrorContext(ctx, "internal error", "err", err, "request_id", MetaFrom(ctx).ID)
		return NewProblem(ctx, http.StatusInternalServerError, Tc(ctx, "internal"))
	}
	st := statusOf[de.Code]
	if st.status == 0 {
		st = statusOf[crm.EINTERNAL]
	}
	detail := de.Message
	if de.Key != "" && (LangFrom(ctx) != English || detail == "") {
		detail = Tc(ctx, de.Key, de.Args...)
	}
	p = NewProblem(ctx, st.status, detail)
	if len(de.Fields) > 0 {
		p.Errors = localizeFields(ctx, de.Fields)
	}
	return p
}

// localizeFields translates field messages that are message keys.
func localizeFields(ctx context.Context, f map[string][]string) map[string][]string {
	out := make(map[string][]string, len(f))
	for k, msgs := range f {
		for _, m := range msgs {
			if _, ok := messages[m]; ok {
				m = Tc(ctx, m)
			}
			out[k] = append(out[k], m)
		}
	}
	return out
}

// installErrorModel makes every error huma produces (validation, bad JSON,
// oversized bodies, handler errors) one of our problems.
//
// huma's NewError, which huma calls without a request (and whose type it
// documents as the error schema), makes problems too.
func installErrorModel() {
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		return huma.NewErrorWithContext(nil, status, msg, errs...)
	}
	huma.NewErrorWithContext = func(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
		ctx := context.Background()
		instance := ""
		if hctx != nil {
			ctx = hctx.Context()
			instance = hctx.URL().Path
		}
		for _, e := range errs {
			var de *crm.Error
			var pe *Problem
			if errors.As(e, &pe) {
				return pe
			}
			if errors.As(e, &de) || status >= 500 {
				p := FromError(ctx, e)
				p.Instance = instance
				return p
			}
		}
		if status >= 500 {
			slog.ErrorContext(ctx, "internal error", "msg", msg, "request_id", MetaFrom(ctx).ID)
			p := NewProblem(ctx, status, Tc(ctx, "internal"))
			p.Instance = instance
			return p
		}
		detail := msg
		switch {
		case status == http.StatusRequestEntityTooLarge:
			detail = Tc(ctx, "too-large", MaxBodyBytes)
		case status == http.StatusUnprocessableEntity:
			detail = Tc(ctx, "validation")
		case status == http.StatusBadRequest && strings.Contains(strings.ToLower(msg), "unmarshal"):
			detail = Tc(ctx, "malformed")
		case LangFrom(ctx) != English:
			detail = T(LangFrom(ctx), slugOfStatus(status))
		}
		p := NewProblem(ctx, status, detail)
		p.Instance = instance
		for _, e := range errs {
			field, m := fieldError(ctx, e)
			if p.Errors == nil {
				p.Errors = map[string][]string{}
			}
			p.Errors[field] = append(p.Errors[field], m)
		}
		if status == http.StatusBadRequest && malformedJSON(msg, errs) {
			p.Detail, p.Message = Tc(ctx, "malformed"), Tc(ctx, "malformed")
		}
		if len(p.Errors) == 0 && status < 500 && status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
			// Every client error names what was wrong, the body at least.
			p.Errors = map[string][]string{"body": {p.Detail}}
		}
		return p
	}
}

// fieldError turns a huma error detail into (field, message).
func fieldError(ctx context.Context, e error) (string, string) {
	var d *huma.ErrorDetail
	if !errors.As(e, &d) {
		return "body", e.Error()
	}
	field := d.Location
	for _, pre := range []string{"body.", "query.", "path.", "header."} {
		field = strings.TrimPrefix(field, pre)
	}
	msg := d.Message
	if name, ok := strings.CutPrefix(msg, "expected required property "); ok {
		name = strings.TrimSuffix(name, " to be present")
		if field == "body" || field == "" {
			field = name
		} else {
			field += "." + name
		}
		return field, Tc(ctx, "required")
	}
	if field == "" {
		field = "body"
	}
	if LangFrom(ctx) != English {
		msg = Tc(ctx, "invalid-value") + " (" + msg + ")"
	}
	return field, msg
}

// malformedJSON tells a body that is not JSON at all from one that breaks
// the schema.
func malformedJSON(msg string, errs []error) bool {
	if strings.Contains(strings.ToLower(msg), "unmarshal") {
		return true
	}
	for _, e := range errs {
		m := strings.ToLower(e.Error())
		for _, sign := range []string{"json", "unexpected end", "invalid character", "cannot unmarshal"} {
			if strings.Contains(m, sign) {
				return true
			}
		}
	}
	return false
}
