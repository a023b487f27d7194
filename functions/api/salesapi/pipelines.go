package salesapi

import (
	"context"
	"net/http"

	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/sales"
)

// StageFields are a stage's writable fields.
type StageFields struct {
	Name        *string `json:"name,omitempty" maxLength:"100"`
	NameFa      *string `json:"name_fa,omitempty" maxLength:"100"`
	NameEn      *string `json:"name_en,omitempty" maxLength:"100"`
	Probability *int    `json:"probability,omitempty"`
	Color       *string `json:"color,omitempty" maxLength:"30"`
	Position    *int    `json:"position,omitempty"`
}

func (f *StageFields) input() *sales.StageInput {
	return &sales.StageInput{Name: f.Name, NameFa: f.NameFa, NameEn: f.NameEn, Probability: f.Probability, Color: f.Color, Position: f.Position}
}

// PipelineFields are a pipeline's writable fields.
type PipelineFields struct {
	Name        *string       `json:"name,omitempty" maxLength:"200"`
	Description *string       `json:"description,omitempty" maxLength:"2000"`
	Currency    *string       `json:"currency,omitempty" pattern:"^[A-Za-z]{3}$"`
	IsDefault   *bool         `json:"is_default,omitempty"`
	Stages      []StageFields `json:"stages,omitempty" maxItems:"30" doc:"Create only: the stages in order (add more later with POST /{id}/stages)."`
	Version     *int64        `json:"version,omitempty"`
}

func (f *PipelineFields) input(withStages bool) *sales.PipelineInput {
	in := &sales.PipelineInput{Name: f.Name, Description: f.Description, Currency: f.Currency, IsDefault: f.IsDefault, Version: f.Version}
	if withStages {
		for i := range f.Stages {
			in.Stages = append(in.Stages, *f.Stages[i].input())
		}
	}
	return in
}

type moveInput struct {
	ID     string `path:"id"`
	MoveTo string `query:"move_to" doc:"A stage to move the deals to (of another pipeline when the pipeline goes)"`
	Body   *struct {
		MoveTo string `json:"move_to,omitempty"`
	}
}

func (m *moveInput) target() string {
	if m.MoveTo == "" && m.Body != nil {
		return m.Body.MoveTo
	}
	return m.MoveTo
}

func registerPipelines(s *httpapi.Server, svc *sales.Service) {
	const p = "/api/pipelines"
	r := func(method, path, op, summary string) httpapi.Route {
		return salesRoute(method, p+path, "pipelines-"+op, summary, "Pipelines")
	}
	httpapi.Register(s, r(http.MethodGet, "", "list", "Pipelines with their stages, each stage's deals count and value (from counters)"),
		func(ctx context.Context, in *struct{ httpapi.ListParams }) (*httpapi.ListBody[PipelineView], error) {
			list, err := svc.Pipelines(ctx)
			if err != nil {
				return nil, err
			}
			views := make([]PipelineView, len(list))
			for i, pl := range list {
				views[i] = pipelineView(ctx, pl)
			}
			in.Limit, in.PerPage, in.Page = max(len(views), 1), 0, 1
			return httpapi.NewList(ctx, &in.ListParams, views, len(views), ""), nil
		})
	httpapi.Register(s, created(r(http.MethodPost, "", "create", "Create a pipeline (stages inline or added later)")),
		func(ctx context.Context, in *struct{ Body PipelineFields }) (*httpapi.Body[PipelineView], error) {
			pl, err := svc.CreatePipeline(ctx, in.Body.input(true))
			if err != nil {
				return nil, err
			}
			return httpapi.OK(pipelineView(ctx, pl), "pipeline created"), nil
		})
	httpapi.Register(s, r(http.MethodGet, "/{id}", "get", "A pipeline with its stages"),
		func(ctx context.Context, in *idInput) (*httpapi.Body[PipelineView], error) {
			pl, err := svc.Pipeline(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(pipelineView(ctx, pl), ""), nil
		})
	httpapi.Register(s, r(http.MethodPut, "/{id}", "update", "Change a pipeline's name, description, currency or default mark"),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body PipelineFields
		}) (*httpapi.Body[PipelineView], error) {
			pl, err := svc.UpdatePipeline(ctx, in.ID, in.Body.input(false))
			if err != nil {
				return nil, err
			}
			return httpapi.OK(pipelineView(ctx, pl), "pipeline updated"), nil
		})
	httpapi.Register(s, r(http.MethodDelete, "/{id}", "delete", "Delete a pipeline (409 while it holds deals, unless move_to names a stage of another pipeline)"),
		func(ctx context.Context, in *moveInput) (*httpapi.Body[any], error) {
			if err := svc.DeletePipeline(ctx, in.ID, in.target()); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "pipeline deleted"), nil
		})
	httpapi.Register(s, created(r(http.MethodPost, "/{id}/stages", "add-stage", "Add a stage (at the end, or at position)")),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body StageFields
		}) (*httpapi.Body[PipelineView], error) {
			pl, _, err := svc.AddStage(ctx, in.ID, in.Body.input())
			if err != nil {
				return nil, err
			}
			return httpapi.OK(pipelineView(ctx, pl), "stage added"), nil
		})
	httpapi.Register(s, r(http.MethodPut, "/{id}/stages/reorder", "reorder-stages", "Reorder stages: order lists every stage id once"),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body struct {
				Order []string `json:"order" maxItems:"30"`
			}
		}) (*httpapi.Body[PipelineView], error) {
			pl, err := svc.ReorderStages(ctx, in.ID, in.Body.Order)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(pipelineView(ctx, pl), "stages reordered"), nil
		})
	httpapi.Register(s, r(http.MethodPut, "/{id}/stages/{stageId}", "update-stage", "Change a stage"),
		func(ctx context.Context, in *struct {
			ID      string `path:"id"`
			StageID string `path:"stageId"`
			Body    StageFields
		}) (*httpapi.Body[PipelineView], error) {
			pl, _, err := svc.UpdateStage(ctx, in.ID, in.StageID, in.Body.input())
			if err != nil {
				return nil, err
			}
			return httpapi.OK(pipelineView(ctx, pl), "stage updated"), nil
		})
	httpapi.Register(s, r(http.MethodDelete, "/{id}/stages/{stageId}", "delete-stage", "Delete a stage (409 while it holds deals, unless move_to names another stage)"),
		func(ctx context.Context, in *struct {
			ID      string `path:"id"`
			StageID string `path:"stageId"`
			MoveTo  string `query:"move_to"`
			Body    *struct {
				MoveTo string `json:"move_to,omitempty"`
			}
		}) (*httpapi.Body[any], error) {
			to := in.MoveTo
			if to == "" && in.Body != nil {
				to = in.Body.MoveTo
			}
			if err := svc.DeleteStage(ctx, in.ID, in.StageID, to); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "stage deleted"), nil
		})
}
