// Package teamapi is the team route group: users (IshYar's /api/users and
// Rabin's /api/tenant/users), profile, coworkers, permissions and roles,
// organization and personal settings, and the tenant's info and usage.
package teamapi

import (
	"context"

	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/users"
)

// Member is a user as the API shows it.
type Member struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	Email        string       `json:"email"`
	Phone        string       `json:"phone"`
	Role         string       `json:"role"`
	Roles        []string     `json:"roles"`
	Status       string       `json:"status"`
	Avatar       *string      `json:"avatar"`
	JobTitle     string       `json:"job_title"`
	DepartmentID string       `json:"department_id"`
	PositionID   string       `json:"position_id"`
	Department   *httpapi.Ref `json:"department,omitempty"`
	Position     *httpapi.Ref `json:"position,omitempty"`
	Locale       string       `json:"locale"`
	Timezone     string       `json:"timezone"`
	Modules      []string     `json:"modules"`
	Permissions  []string     `json:"permissions"`
	CreatedAt    string       `json:"created_at"`
	CreatedJ     string       `json:"created_at_jalali"`
	Version      int64        `json:"version"`
}

func view(ctx context.Context, u *users.User) Member {
	v := Member{ID: u.ID, Name: u.Name, Email: u.Email, Phone: u.Phone, Role: u.Role, Roles: []string{u.Role}, Status: u.Status,
		JobTitle: u.JobTitle, DepartmentID: u.DepartmentID, PositionID: u.PositionID, Locale: u.Locale, Timezone: u.Timezone,
		Modules: u.EffectiveModules(), Permissions: u.Permissions(), CreatedAt: u.CreatedAt.UTC().Format("2006-01-02T15:04:05Z07:00"),
		CreatedJ: jalali.Format(u.CreatedAt, httpapi.LocationFrom(ctx)), Version: u.Version}
	if u.Avatar != "" {
		v.Avatar = &u.Avatar
	}
	if v.Modules == nil {
		v.Modules = []string{}
	}
	return v
}

// CoworkerView is what any colleague may see of a user.
type CoworkerView struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Email    string  `json:"email"`
	Avatar   *string `json:"avatar"`
	Role     string  `json:"role"`
	JobTitle string  `json:"job_title"`
	Phone    string  `json:"phone"`
}

func coworker(u *users.User) CoworkerView {
	c := CoworkerView{ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, JobTitle: u.JobTitle, Phone: u.Phone}
	if u.Avatar != "" {
		c.Avatar = &u.Avatar
	}
	return c
}
