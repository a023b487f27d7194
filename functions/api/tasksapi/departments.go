package tasksapi

import (
	"context"
	"net/http"
	"time"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/departments"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/tasks"
	"payvand.dev/shared/users"
)

// DepartmentView is a department in the tree.
type DepartmentView struct {
	ID              string           `json:"id"`
	Name            string           `json:"name"`
	Description     string           `json:"description"`
	ParentID        *string          `json:"parent_id"`
	HeadID          *string          `json:"head_id"`
	Head            *tasks.RefUser   `json:"head"`
	MembersCount    int              `json:"members_count"`
	Children        []DepartmentView `json:"children"`
	CreatedAt       time.Time        `json:"created_at"`
	CreatedAtJalali string           `json:"created_at_jalali"`
	UpdatedAt       time.Time        `json:"updated_at"`
	UpdatedAtJalali string           `json:"updated_at_jalali"`
	Version         int64            `json:"version"`
}

func departmentView(ctx context.Context, d *crm.Department) DepartmentView {
	return DepartmentView{ID: d.ID, Name: d.Name, Description: d.Description, ParentID: strOrNil(d.ParentID), HeadID: strOrNil(d.HeadID),
		Children: []DepartmentView{}, CreatedAt: d.CreatedAt, CreatedAtJalali: jalali.Format(d.CreatedAt, httpapi.LocationFrom(ctx)),
		UpdatedAt: d.UpdatedAt, UpdatedAtJalali: jalali.Format(d.UpdatedAt, httpapi.LocationFrom(ctx)), Version: d.Version}
}

func nodeView(ctx context.Context, n *departments.Node) DepartmentView {
	v := departmentView(ctx, n.Department)
	v.MembersCount = n.MembersCount
	if n.Head != nil {
		v.Head = &tasks.RefUser{ID: n.Head.ID, Name: n.Head.Name, Avatar: n.Head.Avatar}
	}
	for _, c := range n.Children {
		v.Children = append(v.Children, nodeView(ctx, c))
	}
	return v
}

// MemberView is a member of a department.
type MemberView struct {
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	Email        string  `json:"email"`
	Avatar       *string `json:"avatar"`
	Role         string  `json:"role"`
	Status       string  `json:"status"`
	JobTitle     string  `json:"job_title"`
	DepartmentID string  `json:"department_id"`
	PositionID   *string `json:"position_id"`
}

type departmentFields struct {
	Name        *string `json:"name,omitempty" maxLength:"200"`
	Description *string `json:"description,omitempty" maxLength:"2000"`
	ParentID    *string `json:"parent_id,omitempty" maxLength:"36"`
	HeadID      *string `json:"head_id,omitempty" maxLength:"36"`
	ManagerID   *string `json:"manager_id,omitempty" maxLength:"36" doc:"Alias of head_id"`
	Version     *int64  `json:"version,omitempty"`
}

func (f departmentFields) patch() *departments.DepartmentPatch {
	p := &departments.DepartmentPatch{Name: f.Name, Description: f.Description, ParentID: f.ParentID, HeadID: f.HeadID, Version: f.Version}
	if p.HeadID == nil {
		p.HeadID = f.ManagerID
	}
	return p
}

// PositionView is a position.
type PositionView struct {
	crm.Position
	CreatedAtJalali string `json:"created_at_jalali"`
	UpdatedAtJalali string `json:"updated_at_jalali"`
}

type positionFields struct {
	Name         *string `json:"name,omitempty" maxLength:"200"`
	Title        *string `json:"title,omitempty" maxLength:"200" doc:"Alias of name"`
	Description  *string `json:"description,omitempty" maxLength:"2000"`
	DepartmentID *string `json:"department_id,omitempty" maxLength:"36"`
	Level        *int    `json:"level,omitempty"`
}

func (f positionFields) patch() *departments.PositionPatch {
	p := &departments.PositionPatch{Name: f.Name, Description: f.Description, DepartmentID: f.DepartmentID, Level: f.Level}
	if p.Name == nil {
		p.Name = f.Title
	}
	return p
}

func registerDepartments(s *httpapi.Server, d Deps) {
	svc := d.Departments
	route := func(base, method, path, op, summary string, write bool) httpapi.Route {
		r := httpapi.Route{Method: method, Path: "/api/" + base + path, ID: base + "-" + op, Summary: summary,
			Tags: []string{"Departments"}, Realm: httpapi.TenantUsers, Module: "coworkers"}
		if write {
			r.Module, r.Capability = "", auth.ManageUsers
		}
		return r
	}
	httpapi.Register(s, route("departments", http.MethodGet, "", "tree", "Departments as a tree (children, head, members_count)", false),
		func(ctx context.Context, in *httpapi.ListParams) (*httpapi.ListBody[DepartmentView], error) {
			roots, err := svc.Tree(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]DepartmentView, len(roots))
			for i, n := range roots {
				out[i] = nodeView(ctx, n)
			}
			return page(ctx, in, out), nil
		})
	create := route("departments", http.MethodPost, "", "create", "Create a department", true)
	create.Status = http.StatusCreated
	httpapi.Register(s, create, func(ctx context.Context, in *struct{ Body departmentFields }) (*httpapi.Body[DepartmentView], error) {
		dep, err := svc.Create(ctx, in.Body.patch())
		if err != nil {
			return nil, err
		}
		return httpapi.OK(departmentView(ctx, dep), "department created"), nil
	})
	httpapi.Register(s, route("departments", http.MethodGet, "/{id}", "get", "A department", false),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[DepartmentView], error) {
			dep, err := svc.Get(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(departmentView(ctx, dep), ""), nil
		})
	httpapi.Register(s, route("departments", http.MethodPut, "/{id}", "update", "Change a department (a parent under itself is refused)", true),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body departmentFields
		}) (*httpapi.Body[DepartmentView], error) {
			dep, err := svc.Update(ctx, in.ID, in.Body.patch())
			if err != nil {
				return nil, err
			}
			return httpapi.OK(departmentView(ctx, dep), "department updated"), nil
		})
	httpapi.Register(s, route("departments", http.MethodDelete, "/{id}", "delete", "Delete a department (409 with children or members unless move_to)", true),
		func(ctx context.Context, in *struct {
			ID     string `path:"id"`
			MoveTo string `query:"move_to" doc:"Department that takes the sub-departments and members"`
			Body   *struct {
				MoveTo string `json:"move_to,omitempty" maxLength:"36"`
			}
		}) (*httpapi.Body[any], error) {
			move := in.MoveTo
			if move == "" && in.Body != nil {
				move = in.Body.MoveTo
			}
			if err := svc.Delete(ctx, in.ID, move); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "department deleted"), nil
		})
	httpapi.Register(s, route("departments", http.MethodGet, "/{id}/members", "members", "A department's members", false),
		func(ctx context.Context, in *struct {
			IDInput
			httpapi.ListParams
		}) (*httpapi.ListBody[MemberView], error) {
			l, err := svc.Members(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			out := make([]MemberView, len(l))
			for i, u := range l {
				out[i] = memberView(u)
			}
			return page(ctx, &in.ListParams, out), nil
		})

	posView := func(ctx context.Context, p *crm.Position) PositionView {
		loc := httpapi.LocationFrom(ctx)
		return PositionView{Position: *p, CreatedAtJalali: jalali.Format(p.CreatedAt, loc), UpdatedAtJalali: jalali.Format(p.UpdatedAt, loc)}
	}
	httpapi.Register(s, route("positions", http.MethodGet, "", "list", "Positions by name", false),
		func(ctx context.Context, in *httpapi.ListParams) (*httpapi.ListBody[PositionView], error) {
			l, err := svc.Positions(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]PositionView, len(l))
			for i, p := range l {
				out[i] = posView(ctx, p)
			}
			return page(ctx, in, out), nil
		})
	pcreate := route("positions", http.MethodPost, "", "create", "Create a position", true)
	pcreate.Status = http.StatusCreated
	httpapi.Register(s, pcreate, func(ctx context.Context, in *struct{ Body positionFields }) (*httpapi.Body[PositionView], error) {
		p, err := svc.SavePosition(ctx, "", in.Body.patch())
		if err != nil {
			return nil, err
		}
		return httpapi.OK(posView(ctx, p), "position created"), nil
	})
	httpapi.Register(s, route("positions", http.MethodGet, "/{id}", "get", "A position", false),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[PositionView], error) {
			p, err := svc.Position(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(posView(ctx, p), ""), nil
		})
	httpapi.Register(s, route("positions", http.MethodPut, "/{id}", "update", "Change a position", true),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body positionFields
		}) (*httpapi.Body[PositionView], error) {
			p, err := svc.SavePosition(ctx, in.ID, in.Body.patch())
			if err != nil {
				return nil, err
			}
			return httpapi.OK(posView(ctx, p), "position updated"), nil
		})
	httpapi.Register(s, route("positions", http.MethodDelete, "/{id}", "delete", "Delete a position (409 while users hold it)", true),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[any], error) {
			if err := svc.DeletePosition(ctx, in.ID); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "position deleted"), nil
		})
}

func memberView(u *users.User) MemberView {
	return MemberView{ID: u.ID, Name: u.Name, Email: u.Email, Avatar: strOrNil(u.Avatar), Role: u.Role, Status: u.Status,
		JobTitle: u.JobTitle, DepartmentID: u.DepartmentID, PositionID: strOrNil(u.PositionID)}
}
