import type { Command } from 'commander'
import { entityGroup } from './entities'

export function register(program: Command): void {
  entityGroup(program, 'channels')
}
