// Package sim is cuecast's synthetic camera: a pure-Go renderer of a pool
// table seen from above, with the ground truth of every frame it draws.
//
// A Sim implements model.Source. Each Read advances a scripted scenario by one
// frame period of simulated time (balls roll, collide and drop, the cue aims
// and strikes), renders the picture into the caller's packed-BGR buffer and
// attaches a model.Truth: every ball's table and pixel position, its pixel
// radius, whether it is pocketed or partly hidden, the table corners in
// pixels, the cue, the scenario name and the game events that happened since
// the previous frame. Because simulated time advances by exactly one period
// per frame, the same Options (including Seed) give the same frames whether
// Read is paced to the wall clock or not.
//
// Rendering is split so the per-frame cost stays small: everything that does
// not move (cloth texture, cushions, rails, diamonds, pockets, the lamps'
// light gradient) is drawn once into a background at New; a frame is that
// background plus sensor noise from a precomputed pattern shifted per frame
// (added eight bytes at a time), then ball shadows, balls (shaded spheres with
// stripes and numbers, motion-blurred when fast), the cue and a hand.
//
// Options.Look makes the frames like a real camera's (response curve,
// white balance, vignetting, lens blur, sharpening, JPEG or H.264-like
// coding, lamps' sheen and glossy highlights, worn cloth, chalk, paper
// spots, rail finishes, cheap ball sets, camera height, people's arms).
// The zero Look draws exactly what the simulator always drew; a look
// changes pixels, never the game. The table's extras go into the static
// background; the camera's stages run per frame on the composed picture
// (sensor.go, codec.go).
//
// The truth's events include what a referee reads from a shot: the cue
// strike, every cushion contact (from edge/physics, with its rail), balls
// jumped off the table (scripted: the engine cannot jump balls), and at
// shot_ended the summary with start and end spots, frozen balls, the
// ordered events and exact paths. The 8ball and 9ball scenarios play whole
// racks between two simulated players, ruled by an Umpire (Options.Umpire,
// e.g. the real referee, or the simulator's own), and end each shot with
// a `shot` event carrying its record.
//
// Concurrency: Read, Render and Close belong to one goroutine (the source
// loop). Stall and Resume are the only methods safe to call from any
// goroutine; they exist so tests can make the source wedge on purpose.
package sim
