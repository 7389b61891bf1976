package shard

// KeyReady tells the engine that key may now serve blocked clients.
func (c *Ctx) KeyReady(key []byte) {
	c.DB(key).signalReady(key)
}
