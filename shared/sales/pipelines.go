// Package sales is the store adapter of pipelines, deals and activities.
//
// Keys (see docs/data-model.md):
//
//	pipeline        PK=PIPELINES              SK=<pipeline id>   stages inline; counters n_<stage>, v_<stage>_<currency>
//	default guard   PK=PIPELINES              SK=#DEFAULT        (one default pipeline per tenant)
//	deal            PK=DEAL#<id>              SK=#DEAL           its history (HISTORY#…) and activities (ACTIVITY#…) share the PK
//	deals newest    GSI1PK=DEALS              GSI1SK=<id>
//	by stage        GSI2PK=DEALS#STAGE#<id>   GSI2SK=<id>
//	by value        GSI3PK=DEALS#VALUE        GSI3SK=<19-digit minor units>#<id>
//	by close date   GSI4PK=DEALS#CLOSE        GSI4SK=<YYYY-MM-DD or ~>#<id>
//	by owner        GSI5PK=DEALS#OWNER#<id>   GSI5SK=<id>
//	customer copy   PK=CUSTOMER#<id>          SK=DEAL#<id>       the deal's attributes and its API form in view
//	counters        PK=COUNTER#DEALS          SK=STATS
package sales

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/money"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

const (
	pipelinesPK = "PIPELINES"
	defaultSK   = "#DEFAULT"
	maxStages   = 30
)

// TableSource finds the caller's tenant table from the context.
type TableSource interface {
	TenantTable(ctx context.Context) (store.Table, error)
}

// Service implements pipelines, deals and activities over the store.
type Service struct {
	Tables TableSource
	// Now is the clock (tests move it to see days spent in a stage).
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func pipelineKey(id string) store.Key { return store.Key{PK: pipelinesPK, SK: id} }
func guardKey() store.Key             { return store.Key{PK: pipelinesPK, SK: defaultSK} }

// stageAttr names a stage's counters on its pipeline's item (ids without
// dashes: safe attribute names).
func countAttr(stageID string) string { return "n_" + strings.ReplaceAll(stageID, "-", "") }
func valueAttr(stageID, currency string) string {
	return "v_" + strings.ReplaceAll(stageID, "-", "") + "_" + currency
}

type stageRecord struct {
	ID          string `dynamo:"id"`
	Name        string `dynamo:"name"`
	NameFa      string `dynamo:"name_fa"`
	NameEn      string `dynamo:"name_en"`
	Position    int    `dynamo:"position"`
	Probability int    `dynamo:"probability"`
	Color       string `dynamo:"color"`
}

type pipelineRecord struct {
	ID          string        `dynamo:"id"`
	Name        string        `dynamo:"name"`
	Description string        `dynamo:"description"`
	IsDefault   bool          `dynamo:"is_default"`
	Currency    string        `dynamo:"currency"`
	Stages      []stageRecord `dynamo:"stages"`
	CreatedAt   time.Time     `dynamo:"created_at"`
	UpdatedAt   time.Time     `dynamo:"updated_at"`
	Version     int64         `dynamo:"version"`
}

// pipelineAttrs are the attributes a pipeline's edit sets: everything but
// its counters, which deal writes add to concurrently.
func pipelineAttrs(p *crm.Pipeline) (store.Item, error) {
	r := pipelineRecord{ID: p.ID, Name: p.Name, Description: p.Description, IsDefault: p.IsDefault, Currency: p.Currency,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Version: p.Version, Stages: make([]stageRecord, len(p.Stages))}
	for i, st := range p.Stages {
		r.Stages[i] = stageRecord{ID: st.ID, Name: st.Name, NameFa: st.NameFa, NameEn: st.NameEn, Position: st.Position, Probability: st.Probability, Color: st.Color}
	}
	it, err := dynamo.MarshalItem(r)
	if err != nil {
		return nil, crm.Wrap(err, "marshal pipeline")
	}
	return it, nil
}

func pipelineFromItem(it store.Item) (*crm.Pipeline, error) {
	var r pipelineRecord
	if err := dynamo.UnmarshalItem(it, &r); err != nil {
		return nil, crm.Wrap(err, "unmarshal pipeline")
	}
	p := &crm.Pipeline{ID: r.ID, Name: r.Name, Description: r.Description, IsDefault: r.IsDefault, Currency: r.Currency,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version, Stages: make([]crm.Stage, len(r.Stages))}
	for i, st := range r.Stages {
		p.Stages[i] = crm.Stage{ID: st.ID, Name: st.Name, NameFa: st.NameFa, NameEn: st.NameEn, Position: st.Position,
			Probability: st.Probability, Color: st.Color, DealsCount: store.Int(it, countAttr(st.ID)), DealsValue: map[string]int64{}}
		prefix := "v_" + strings.ReplaceAll(st.ID, "-", "") + "_"
		for attr := range it {
			if cur, ok := strings.CutPrefix(attr, prefix); ok {
				if n := store.Int(it, attr); n != 0 {
					p.Stages[i].DealsValue[cur] = n
				}
			}
		}
	}
	slices.SortStableFunc(p.Stages, func(a, b crm.Stage) int { return a.Position - b.Position })
	return p, nil
}

func pipelineNotFound() error {
	return &crm.Error{Code: crm.ENOTFOUND, Message: "pipeline not found", Key: "not-found-resource", Args: []any{"pipeline"}}
}

func stageNotFound() error {
	return &crm.Error{Code: crm.ENOTFOUND, Message: "stage not found", Key: "not-found-resource", Args: []any{"stage"}}
}

func invalid(field, msg string) error {
	return &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Key: "validation", Fields: map[string][]string{field: {msg}}}
}

// DefaultStages are every tenant's first pipeline.
var DefaultStages = []crm.Stage{
	{Name: "Lead", NameEn: "Lead", NameFa: "سرنخ", Probability: 10, Color: "#3b82f6"},
	{Name: "Qualified", NameEn: "Qualified", NameFa: "واجد شرایط", Probability: 25, Color: "#22c55e"},
	{Name: "Proposal", NameEn: "Proposal", NameFa: "ارائه پیشنهاد", Probability: 50, Color: "#eab308"},
	{Name: "Negotiation", NameEn: "Negotiation", NameFa: "مذاکره", Probability: 75, Color: "#f97316"},
	{Name: "Won", NameEn: "Won", NameFa: "موفق", Probability: 100, Color: "#10b981"},
	{Name: "Lost", NameEn: "Lost", NameFa: "ناموفق", Probability: 0, Color: "#ef4444"},
}

// pipelines reads every pipeline of the tenant in one query; a tenant
// without any (created before pipelines existed) gets the default one
// here, on first use.
func (s *Service) pipelines(ctx context.Context, t store.Table) ([]*crm.Pipeline, error) {
	for try := 0; try < 3; try++ {
		p, err := t.Query(ctx, store.Query{PK: pipelinesPK, Limit: 200})
		if err != nil {
			return nil, err
		}
		var out []*crm.Pipeline
		guard := false
		for _, it := range p.Items {
			if store.Str(it, store.SK) == defaultSK {
				guard = true
				continue
			}
			pl, err := pipelineFromItem(it)
			if err != nil {
				return nil, err
			}
			out = append(out, pl)
		}
		if guard || len(out) > 0 {
			return out, nil
		}
		err = s.createDefault(ctx, t)
		if crm.ErrorCode(err) != crm.ECONFLICT {
			if err != nil {
				return nil, err
			}
		}
	}
	return nil, &crm.Error{Code: crm.ECONFLICT, Message: "the pipelines are being set up; try again"}
}

// EnsureDefault creates the default pipeline of a tenant that has none
// (provisioning, or a tenant's first use).
func (s *Service) EnsureDefault(ctx context.Context) error {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return err
	}
	_, err = s.pipelines(ctx, t)
	return err
}

func (s *Service) createDefault(ctx context.Context, t store.Table) error {
	now := s.now()
	p := &crm.Pipeline{ID: ids.New(), Name: "Sales Pipeline", Description: "قیف فروش", IsDefault: true, Currency: "IRR",
		CreatedAt: now, UpdatedAt: now, Version: 1}
	for i, st := range DefaultStages {
		st.ID = ids.New()
		st.Position = i + 1
		p.Stages = append(p.Stages, st)
	}
	it, err := pipelineAttrs(p)
	if err != nil {
		return err
	}
	for k, v := range pipelineKeyItem(p, it) {
		it[k] = v
	}
	g := store.KeyItem(guardKey())
	g["pipeline_id"] = store.AV(p.ID)
	return t.TransactWrite(ctx, store.PutOp(it, store.NotExists()), store.PutOp(g, store.NotExists()),
		outbox.Op(ctx, "pipeline.created", map[string]any{"pipeline": p}))
}

// pipelineKeyItem adds the key and zeroed stage counters of a new pipeline.
func pipelineKeyItem(p *crm.Pipeline, it store.Item) store.Item {
	k := pipelineKey(p.ID)
	it[store.PK], it[store.SK] = store.AV(k.PK), store.AV(k.SK)
	for _, st := range p.Stages {
		it[countAttr(st.ID)] = store.AV(int64(0))
	}
	return it
}

// Pipelines lists pipelines, the default first, with their stages and
// counters: one query whatever the number of deals.
func (s *Service) Pipelines(ctx context.Context) ([]*crm.Pipeline, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	list, err := s.pipelines(ctx, t)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(list, func(a, b *crm.Pipeline) int {
		if a.IsDefault != b.IsDefault {
			if a.IsDefault {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	return list, nil
}

func (s *Service) pipeline(ctx context.Context, t store.Table, id string) (*crm.Pipeline, error) {
	if !ids.Valid(id) {
		return nil, pipelineNotFound()
	}
	it, err := store.GetOr(ctx, t, pipelineKey(id), pipelineNotFound)
	if err != nil {
		return nil, err
	}
	return pipelineFromItem(it)
}

// Pipeline reads one pipeline (one GetItem).
func (s *Service) Pipeline(ctx context.Context, id string) (*crm.Pipeline, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	return s.pipeline(ctx, t, id)
}

// StageInput is a stage's writable fields.
type StageInput struct {
	Name        *string
	NameFa      *string
	NameEn      *string
	Probability *int
	Color       *string
	Position    *int
}

func (in *StageInput) apply(st *crm.Stage, field string) error {
	fe := crm.FieldErrors{}
	if in.Name != nil {
		st.Name = strings.TrimSpace(*in.Name)
	}
	if in.NameFa != nil {
		st.NameFa = strings.TrimSpace(*in.NameFa)
	}
	if in.NameEn != nil {
		st.NameEn = strings.TrimSpace(*in.NameEn)
	}
	if st.Name == "" {
		st.Name = st.NameEn
		if st.Name == "" {
			st.Name = st.NameFa
		}
	}
	if st.Name == "" {
		fe.Add(field+"name", "required")
	}
	if in.Probability != nil {
		if *in.Probability < 0 || *in.Probability > 100 {
			fe.Add(field+"probability", "must be between 0 and 100")
		}
		st.Probability = *in.Probability
	}
	if in.Color != nil {
		st.Color = strings.TrimSpace(*in.Color)
	}
	return fe.Err()
}

// PipelineInput is a pipeline's writable fields.
type PipelineInput struct {
	Name        *string
	Description *string
	Currency    *string
	IsDefault   *bool
	Stages      []StageInput // create only
	Version     *int64
}

func (in *PipelineInput) apply(p *crm.Pipeline) error {
	fe := crm.FieldErrors{}
	if in.Name != nil {
		p.Name = strings.TrimSpace(*in.Name)
	}
	if p.Name == "" {
		fe.Add("name", "required")
	}
	if in.Description != nil {
		p.Description = *in.Description
	}
	if in.Currency != nil {
		p.Currency = strings.ToUpper(strings.TrimSpace(*in.Currency))
	}
	if p.Currency == "" {
		p.Currency = "IRR"
	}
	if !money.ValidCurrency(p.Currency) {
		fe.Add("currency", "must be an ISO 4217 code such as IRR or USD")
	}
	return fe.Err()
}

// CreatePipeline stores a pipeline with its stages (in the order given).
func (s *Service) CreatePipeline(ctx context.Context, in *PipelineInput) (*crm.Pipeline, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	existing, err := s.pipelines(ctx, t)
	if err != nil {
		return nil, err
	}
	now := s.now()
	p := &crm.Pipeline{ID: ids.New(), CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := in.apply(p); err != nil {
		return nil, err
	}
	if len(in.Stages) > maxStages {
		return nil, invalid("stages", "at most 30 stages")
	}
	for i := range in.Stages {
		st := crm.Stage{ID: ids.New(), Position: i + 1}
		if err := in.Stages[i].apply(&st, "stages."+itoa(i)+"."); err != nil {
			return nil, err
		}
		p.Stages = append(p.Stages, st)
	}
	it, err := pipelineAttrs(p)
	if err != nil {
		return nil, err
	}
	ops := []store.Op{store.PutOp(pipelineKeyItem(p, it), store.NotExists())}
	if in.IsDefault != nil && *in.IsDefault {
		p.IsDefault = true
		it["is_default"] = store.AV(true)
		ops = append(ops, undefaultOps(existing, p.ID)...)
	}
	ops = append(ops, outbox.Op(ctx, "pipeline.created", map[string]any{"pipeline": p}))
	if err := t.TransactWrite(ctx, ops...); err != nil {
		return nil, conflict("pipeline", err)
	}
	return p, nil
}

// undefaultOps take the default mark off every other pipeline.
func undefaultOps(all []*crm.Pipeline, except string) []store.Op {
	var ops []store.Op
	for _, o := range all {
		if o.IsDefault && o.ID != except {
			ops = append(ops, store.UpdateOp(store.Update{Key: pipelineKey(o.ID), Set: store.Item{"is_default": store.AV(false)},
				Add: map[string]int64{"version": 1}, Cond: []store.Cond{store.Exists()}}))
		}
	}
	return ops
}

func conflict(entity string, err error) error {
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return crm.VersionConflict(entity, err)
	}
	return err
}

// savePipeline writes a pipeline's edited fields, keeping its counters:
// an update conditioned on the version read.
func savePipeline(p *crm.Pipeline, oldVersion int64, add map[string]int64, remove []string) (store.Op, error) {
	it, err := pipelineAttrs(p)
	if err != nil {
		return store.Op{}, err
	}
	return store.UpdateOp(store.Update{Key: pipelineKey(p.ID), Set: it, Add: add, Remove: remove,
		Cond: []store.Cond{store.VersionIs(oldVersion)}}), nil
}

// UpdatePipeline changes a pipeline's name, description, currency or
// default mark.
func (s *Service) UpdatePipeline(ctx context.Context, id string, in *PipelineInput) (*crm.Pipeline, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.pipelines(ctx, t)
	if err != nil {
		return nil, err
	}
	old := find(all, id)
	if old == nil {
		return nil, pipelineNotFound()
	}
	if in.Version != nil && *in.Version != old.Version {
		return nil, crm.VersionConflict("pipeline", nil)
	}
	p := clonePipeline(old)
	if err := in.apply(p); err != nil {
		return nil, err
	}
	var ops []store.Op
	if in.IsDefault != nil {
		if !*in.IsDefault && old.IsDefault {
			return nil, invalid("is_default", "make another pipeline the default instead")
		}
		if *in.IsDefault && !old.IsDefault {
			p.IsDefault = true
			ops = append(ops, undefaultOps(all, p.ID)...)
		}
	}
	p.UpdatedAt, p.Version = s.now(), old.Version+1
	op, err := savePipeline(p, old.Version, nil, nil)
	if err != nil {
		return nil, err
	}
	ops = append(ops, op, outbox.Op(ctx, "pipeline.updated", map[string]any{"pipeline": p}))
	if err := t.TransactWrite(ctx, ops...); err != nil {
		return nil, conflict("pipeline", err)
	}
	return p, nil
}

func find(all []*crm.Pipeline, id string) *crm.Pipeline {
	for _, p := range all {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func clonePipeline(p *crm.Pipeline) *crm.Pipeline {
	c := *p
	c.Stages = slices.Clone(p.Stages)
	return &c
}

// AddStage appends a stage (or puts it at position, moving the others).
func (s *Service) AddStage(ctx context.Context, pipelineID string, in *StageInput) (*crm.Pipeline, *crm.Stage, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, nil, err
	}
	old, err := s.pipeline(ctx, t, pipelineID)
	if err != nil {
		return nil, nil, err
	}
	if len(old.Stages) >= maxStages {
		return nil, nil, invalid("stages", "at most 30 stages")
	}
	st := crm.Stage{ID: ids.New(), DealsValue: map[string]int64{}}
	if err := in.apply(&st, ""); err != nil {
		return nil, nil, err
	}
	p := clonePipeline(old)
	pos := len(p.Stages)
	if in.Position != nil && *in.Position >= 1 && *in.Position <= len(p.Stages) {
		pos = *in.Position - 1
	}
	p.Stages = slices.Insert(p.Stages, pos, st)
	renumber(p)
	p.UpdatedAt, p.Version = s.now(), old.Version+1
	op, err := savePipeline(p, old.Version, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	op.Update.Set[countAttr(st.ID)] = store.AV(int64(0))
	if err := t.TransactWrite(ctx, op, outbox.Op(ctx, "pipeline.stage_added", map[string]any{"pipeline_id": p.ID, "stage": st})); err != nil {
		return nil, nil, conflict("pipeline", err)
	}
	return p, p.StageByID(st.ID), nil
}

func renumber(p *crm.Pipeline) {
	for i := range p.Stages {
		p.Stages[i].Position = i + 1
	}
}

// UpdateStage changes a stage's names, probability, colour or position.
func (s *Service) UpdateStage(ctx context.Context, pipelineID, stageID string, in *StageInput) (*crm.Pipeline, *crm.Stage, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, nil, err
	}
	old, err := s.pipeline(ctx, t, pipelineID)
	if err != nil {
		return nil, nil, err
	}
	p := clonePipeline(old)
	st := p.StageByID(stageID)
	if st == nil {
		return nil, nil, stageNotFound()
	}
	if err := in.apply(st, ""); err != nil {
		return nil, nil, err
	}
	if in.Position != nil {
		if *in.Position < 1 || *in.Position > len(p.Stages) {
			return nil, nil, invalid("position", "must be between 1 and the number of stages")
		}
		moved := *st
		i := slices.IndexFunc(p.Stages, func(x crm.Stage) bool { return x.ID == stageID })
		p.Stages = slices.Delete(p.Stages, i, i+1)
		p.Stages = slices.Insert(p.Stages, *in.Position-1, moved)
		renumber(p)
	}
	p.UpdatedAt, p.Version = s.now(), old.Version+1
	op, err := savePipeline(p, old.Version, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	if err := t.TransactWrite(ctx, op, outbox.Op(ctx, "pipeline.stage_updated", map[string]any{"pipeline_id": p.ID, "stage": p.StageByID(stageID)})); err != nil {
		return nil, nil, conflict("pipeline", err)
	}
	return p, p.StageByID(stageID), nil
}

// ReorderStages puts the stages in the order given, which must name each
// of the pipeline's stages exactly once.
func (s *Service) ReorderStages(ctx context.Context, pipelineID string, order []string) (*crm.Pipeline, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	old, err := s.pipeline(ctx, t, pipelineID)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	p := clonePipeline(old)
	p.Stages = p.Stages[:0]
	for _, id := range order {
		st := old.StageByID(id)
		if st == nil || seen[id] {
			return nil, invalid("order", "must list each of the pipeline's stage ids exactly once")
		}
		seen[id] = true
		p.Stages = append(p.Stages, *st)
	}
	if len(p.Stages) != len(old.Stages) {
		return nil, invalid("order", "must list each of the pipeline's stage ids exactly once")
	}
	renumber(p)
	p.UpdatedAt, p.Version = s.now(), old.Version+1
	op, err := savePipeline(p, old.Version, nil, nil)
	if err != nil {
		return nil, err
	}
	if err := t.TransactWrite(ctx, op, outbox.Op(ctx, "pipeline.stages_reordered", map[string]any{"pipeline_id": p.ID, "order": order})); err != nil {
		return nil, conflict("pipeline", err)
	}
	return p, nil
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
