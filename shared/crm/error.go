// Package crm is the domain: entity types, validation, business rules and the
// service interfaces the adapters implement. It imports no AWS package.
package crm

import (
	"errors"
	"fmt"
)

// Error codes. The API kernel maps each to one HTTP status (httpapi.statusOf).
const (
	EINVALID      = "invalid"        // bad request shape (400)
	EVALIDATION   = "validation"     // well-formed but breaks a rule (422)
	EUNAUTHORIZED = "unauthorized"   // no or bad credentials (401)
	EFORBIDDEN    = "forbidden"      // authenticated, not allowed (403)
	ENOTFOUND     = "not_found"      // (404)
	ECONFLICT     = "conflict"       // concurrent change or duplicate (409)
	ETOOLARGE     = "too_large"      // body over the limit (413)
	ERATELIMIT    = "rate_limited"   // (429)
	EPAYMENT      = "payment_needed" // subscription expired (402)
	EINTERNAL     = "internal"       // never shown in detail to clients (500)
)

// Error is the one error type of the domain. Message is safe to show to a
// client; Fields carries per-field messages for validation errors. Key, when
// set, names a localized message (see httpapi messages) used instead of
// Message for non-English clients.
type Error struct {
	Code    string
	Message string
	Key     string
	Args    []any
	Fields  map[string][]string
	Err     error // underlying cause, logged, never sent
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error with a client-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap marks err as internal unless it already carries a code.
func Wrap(err error, msg string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return fmt.Errorf("%s: %w", msg, err)
	}
	return &Error{Code: EINTERNAL, Message: "internal error", Err: fmt.Errorf("%s: %w", msg, err)}
}

// ErrorCode returns the code of err, EINTERNAL for foreign errors, "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal error"
}

// FieldErrors collects validation messages per field.
type FieldErrors map[string][]string

// Add records a message for field.
func (f FieldErrors) Add(field, msg string) { f[field] = append(f[field], msg) }

// Err returns a validation Error when any field failed, else nil.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: EVALIDATION, Message: "the given data was invalid", Key: "validation", Fields: f}
}

// VersionConflict answers a write to a record that someone else changed
// since the client read it (the version it sent or the store checked is
// no longer the record's). err is the store's conflict, if any.
func VersionConflict(entity string, err error) *Error {
	return &Error{Code: ECONFLICT, Message: "the " + entity + " was changed by someone else; reload and try again", Key: "conflict-version", Err: err}
}
