package recorder

import (
	"context"

	"github.com/cuecast/cuecast/edge/history"
	"github.com/cuecast/cuecast/edge/store"
)

// DrillAPI presents the recorder's drills and the store's progress to the
// REST API (edge/api.DrillSource) without either importing the other.
type DrillAPI struct {
	R     *Recorder
	Store *store.Store
}

func (d DrillAPI) Drills(ctx context.Context) ([]history.Drill, error) { return d.R.Drills(ctx) }
func (d DrillAPI) Drill(ctx context.Context, id string) (*history.Drill, error) {
	return d.R.Drill(ctx, id)
}
func (d DrillAPI) AddDrill(ctx context.Context, raw []byte) (*history.Drill, error) {
	return d.R.AddDrill(ctx, raw)
}
func (d DrillAPI) DeleteDrill(ctx context.Context, id string) error { return d.R.DeleteDrill(ctx, id) }
func (d DrillAPI) StartDrill(ctx context.Context, id, player string) (any, error) {
	return d.R.StartDrill(ctx, id, player)
}
func (d DrillAPI) StopDrill() any   { return d.R.StopDrill() }
func (d DrillAPI) ActiveDrill() any { return d.R.ActiveDrill() }
func (d DrillAPI) Progress(ctx context.Context, player string) (any, error) {
	return d.Store.Progress(ctx, player)
}
func (d DrillAPI) Attempts(ctx context.Context, player, drill string, limit int) (any, error) {
	return d.Store.Attempts(ctx, player, drill, limit)
}
