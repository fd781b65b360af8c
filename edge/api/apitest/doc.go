// Package apitest has in-memory fakes of the interfaces package api consumes
// (api.HealthSource, api.ConnectionAdmin, api.AlertCenter, api.ConfigManager,
// ...), for api's own tests and for anyone testing code that serves the API.
// Every fake is safe for concurrent use and records the commands it got, so a
// test can assert that a rejected request changed nothing.
package apitest
