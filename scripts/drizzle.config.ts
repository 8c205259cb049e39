import { defineConfig } from 'drizzle-kit'
// Paths are from the repository root (npm run db:generate runs there).

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './migrations',
  casing: 'snake_case',
})
