export declare const DEV_ONLY: string[]
export declare function devOnlyProblems(toml: Record<string, any>): string[]
