package auth_test

import (
	"context"
	"testing"
	"time"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/testkit"
)

func TestResetTokensPurposesReplaceAndExpire(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	r := &auth.ResetTokens{Table: testkit.EmbeddedTable(t, "control"), Now: func() time.Time { return now }}
	issue := func(p auth.Purpose, subject string) string {
		tok, err := r.Issue(ctx, p, auth.RealmTenant, "alpha", subject)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	invalid := func(what string, err error) {
		t.Helper()
		if crm.ErrorCode(err) != crm.EVALIDATION {
			t.Fatalf("%s: %v, want the invalid-token error", what, err)
		}
	}

	first := issue(auth.Invitation, "u1")
	reset := issue(auth.PasswordReset, "u1") // another purpose: both live
	if s, err := r.Peek(ctx, first); err != nil || s.Subject != "u1" || s.TenantKey != "alpha" {
		t.Fatalf("peek = %+v, %v", s, err)
	}
	second := issue(auth.Invitation, "u1")
	_, err := r.Peek(ctx, first)
	invalid("replaced token", err)
	invalid("consume replaced token", r.Consume(ctx, first))
	if err := r.Consume(ctx, second); err != nil {
		t.Fatal(err)
	}
	invalid("second use", r.Consume(ctx, second))
	if _, err := r.Peek(ctx, reset); err != nil {
		t.Fatalf("the reset token died with the invitation: %v", err)
	}
	if err := r.Forget(ctx, auth.RealmTenant, "alpha", "u1"); err != nil {
		t.Fatal(err)
	}
	_, err = r.Peek(ctx, reset)
	invalid("forgotten token", err)

	// Lifetimes: an invitation 72 hours, a reset one.
	now = time.Now().Add(-71 * time.Hour)
	inv, old := issue(auth.Invitation, "u2"), issue(auth.PasswordReset, "u2")
	if _, err := r.Peek(ctx, inv); err != nil {
		t.Fatalf("71-hour-old invitation: %v", err)
	}
	_, err = r.Peek(ctx, old)
	invalid("71-hour-old reset", err)
	now = time.Now().Add(-73 * time.Hour)
	late := issue(auth.Invitation, "u3")
	_, err = r.Peek(ctx, late)
	invalid("73-hour-old invitation", err)
	invalid("unknown token", r.Consume(ctx, "forged"))
}
