package teamapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/users"
)

func logError(ctx context.Context, what string, err error) {
	slog.ErrorContext(ctx, what, "err", err, "request_id", httpapi.MetaFrom(ctx).ID)
}

// ProfileFields are what users change about themselves.
type ProfileFields struct {
	Name        *string           `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Phone       *string           `json:"phone,omitempty" maxLength:"30"`
	JobTitle    *string           `json:"job_title,omitempty" maxLength:"100"`
	Locale      *string           `json:"locale,omitempty" enum:"fa,en"`
	Timezone    *string           `json:"timezone,omitempty" maxLength:"64"`
	Preferences *httpapi.FreeForm `json:"preferences,omitempty"`
}

// Preferences are IshYar's user preferences.
type Preferences struct {
	Locale           string         `json:"locale" enum:"fa,en"`
	Timezone         string         `json:"timezone"`
	DateFormat       string         `json:"date_format" enum:"jalali,gregorian"`
	Notifications    map[string]any `json:"notifications"`
	Theme            string         `json:"theme" enum:"light,dark,system"`
	SidebarCollapsed bool           `json:"sidebar_collapsed"`
}

// PreferencesInput changes some preferences.
type PreferencesInput struct {
	Body struct {
		Locale           *string           `json:"locale,omitempty" enum:"fa,en"`
		Timezone         *string           `json:"timezone,omitempty" maxLength:"64"`
		DateFormat       *string           `json:"date_format,omitempty" enum:"jalali,gregorian"`
		Notifications    *httpapi.FreeForm `json:"notifications,omitempty"`
		Theme            *string           `json:"theme,omitempty" enum:"light,dark,system"`
		SidebarCollapsed *bool             `json:"sidebar_collapsed,omitempty"`
	}
}

func preferencesOf(u *users.User) Preferences {
	p := Preferences{Locale: u.Locale, Timezone: u.Timezone, DateFormat: "jalali", Theme: "system",
		Notifications: map[string]any{"email": map[string]any{"task_assigned": true, "task_completed": true, "mentions": true, "daily_digest": false},
			"push": map[string]any{"task_assigned": true, "mentions": true}}}
	if v, ok := u.Preferences["date_format"].(string); ok {
		p.DateFormat = v
	}
	if v, ok := u.Preferences["theme"].(string); ok {
		p.Theme = v
	}
	if v, ok := u.Preferences["sidebar_collapsed"].(bool); ok {
		p.SidebarCollapsed = v
	}
	if v, ok := u.Preferences["notifications"].(map[string]any); ok {
		p.Notifications = v
	}
	return p
}

func validTimezone(tz string) error {
	if _, err := time.LoadLocation(tz); err != nil || tz == "" || tz == "Local" {
		return &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"timezone": {"must be an IANA time zone such as Asia/Tehran"}}}
	}
	return nil
}

func (d Deps) me(ctx context.Context) (*users.User, error) {
	return d.load(ctx, auth.PrincipalFrom(ctx).Subject)
}

func (d Deps) saveSelf(ctx context.Context, u *users.User) error {
	table, err := d.Control.TenantTable(ctx)
	if err != nil {
		return err
	}
	return repo.Save(ctx, table, u, "")
}

func (d Deps) updateProfile(ctx context.Context, f *ProfileFields) (*users.User, error) {
	u, err := d.me(ctx)
	if err != nil {
		return nil, err
	}
	set(&u.Name, f.Name)
	set(&u.Phone, f.Phone)
	set(&u.JobTitle, f.JobTitle)
	set(&u.Locale, f.Locale)
	if f.Timezone != nil {
		if err := validTimezone(*f.Timezone); err != nil {
			return nil, err
		}
		u.Timezone = *f.Timezone
	}
	if f.Preferences != nil {
		for k, v := range *f.Preferences {
			u.Preferences[k] = v
		}
	}
	return u, d.saveSelf(ctx, u)
}

func registerSelf(s *httpapi.Server, d Deps) {
	route := func(method, path, id, summary string) httpapi.Route {
		return httpapi.Route{Method: method, Path: path, ID: id, Summary: summary, Tags: []string{"Profile"}, Realm: httpapi.TenantUsers}
	}
	get := func(ctx context.Context, _ *struct{}) (*httpapi.Body[Member], error) {
		u, err := d.me(ctx)
		if err != nil {
			return nil, err
		}
		return httpapi.OK(view(ctx, u), ""), nil
	}
	put := func(ctx context.Context, in *struct{ Body ProfileFields }) (*httpapi.Body[Member], error) {
		u, err := d.updateProfile(ctx, &in.Body)
		if err != nil {
			return nil, err
		}
		return httpapi.OK(view(ctx, u), "profile updated"), nil
	}
	httpapi.Register(s, route(http.MethodGet, "/api/profile", "profile", "Your profile"), get)
	httpapi.Register(s, route(http.MethodPut, "/api/profile", "profile-update", "Change your profile"), put)
	httpapi.Register(s, route(http.MethodGet, "/api/users/me", "users-me", "Your profile (IshYar)"), get)
	httpapi.Register(s, route(http.MethodPut, "/api/users/me", "users-me-update", "Change your profile (IshYar)"), put)

	httpapi.Register(s, route(http.MethodGet, "/api/users/coworkers", "coworkers", "Active colleagues (name, contact, role)"),
		func(ctx context.Context, in *struct{ httpapi.ListParams }) (*httpapi.ListBody[CoworkerView], error) {
			table, err := d.Control.TenantTable(ctx)
			if err != nil {
				return nil, err
			}
			list, total, _, err := repo.List(ctx, table, users.Filter{Status: users.StatusActive, SortByName: true, Search: in.Search,
				Limit: in.Size(), Offset: (in.PageNumber() - 1) * in.Size()})
			if err != nil {
				return nil, err
			}
			out := make([]CoworkerView, len(list))
			for i, u := range list {
				out[i] = coworker(u)
			}
			return httpapi.NewList(ctx, &in.ListParams, out, total, ""), nil
		})

	httpapi.Register(s, route(http.MethodGet, "/api/settings/preferences", "preferences", "Your preferences"),
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[Preferences], error) {
			u, err := d.me(ctx)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(preferencesOf(u), ""), nil
		})
	httpapi.Register(s, route(http.MethodPut, "/api/settings/preferences", "preferences-update", "Change your preferences"),
		func(ctx context.Context, in *PreferencesInput) (*httpapi.Body[Preferences], error) {
			u, err := d.me(ctx)
			if err != nil {
				return nil, err
			}
			b := in.Body
			set(&u.Locale, b.Locale)
			if b.Timezone != nil {
				if err := validTimezone(*b.Timezone); err != nil {
					return nil, err
				}
				u.Timezone = *b.Timezone
			}
			if b.DateFormat != nil {
				u.Preferences["date_format"] = *b.DateFormat
			}
			if b.Theme != nil {
				u.Preferences["theme"] = *b.Theme
			}
			if b.SidebarCollapsed != nil {
				u.Preferences["sidebar_collapsed"] = *b.SidebarCollapsed
			}
			if b.Notifications != nil {
				u.Preferences["notifications"] = map[string]any(*b.Notifications)
			}
			if err := d.saveSelf(ctx, u); err != nil {
				return nil, err
			}
			return httpapi.OK(preferencesOf(u), "preferences saved"), nil
		})
}
