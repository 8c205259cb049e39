// Generated from docs/openapi.json by openapi-typescript (npm run openapi:update). Do not edit.
export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Service name and version */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Alive */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Version"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/version": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Service name and version */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Alive */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Version"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List users (all for the admin, only yourself otherwise) */
        get: {
            parameters: {
                query?: {
                    offset?: number;
                    limit?: number;
                    email?: string;
                    metadata?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of users */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["UsersPage"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Replace the caller's metadata */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["UpdateUserRequest"];
                };
            };
            responses: {
                /** @description Updated */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Register a user */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CreateUserRequest"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        /** @description Path of the created entity */
                        Location?: string;
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Conflicts with an existing entity */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Throttled: too many requests or failed attempts (see the README, Security) */
                429: {
                    headers: {
                        /** @description Seconds until a retry may succeed */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Log in: exchange e-mail and password for a token
         * @description Throttled per client address, and per e-mail address after failures (429 with Retry-After, the right password included); see the README, Security.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["LoginRequest"];
                };
            };
            responses: {
                /** @description A login token */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Token"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Throttled: too many requests or failed attempts (see the README, Security) */
                429: {
                    headers: {
                        /** @description Seconds until a retry may succeed */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tokens/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign out: end the presented login token, or with {"all": true} every login token of the account
         * @description Effective on the next request in this location, and within the session cache TTL everywhere. The body is optional. API keys are not sessions (403): revoke them with DELETE /keys/{id}.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": components["schemas"]["SignOutRequest"];
                };
            };
            responses: {
                /** @description Signed out */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Authenticated but not allowed */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/users/profile": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's profile */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The profile */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Profile"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A user: your own account, or any for the admin */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The user */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Change the caller's password */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ChangePasswordRequest"];
                };
            };
            responses: {
                /** @description Changed; every login token of the account has ended */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Empty"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Authenticated but not allowed */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/password/reset-request": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mail a password reset link (same answer whether or not the address is known)
         * @description At most a few mails per address per hour; the answer is the same whether one was sent.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["PasswordResetRequest"];
                };
            };
            responses: {
                /** @description Accepted */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ResetRequested"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Throttled: too many requests or failed attempts (see the README, Security) */
                429: {
                    headers: {
                        /** @description Seconds until a retry may succeed */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/password/reset": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Set a new password with a recovery token */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["PasswordReset"];
                };
            };
            responses: {
                /** @description Changed; every login token (and on request every API key) has ended */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Empty"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the caller's API keys */
        get: {
            parameters: {
                query?: {
                    offset?: number;
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of keys */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["KeysPage"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Issue an API key (login token required) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CreateKeyRequest"];
                };
            };
            responses: {
                /** @description The key; its value is shown only here */
                201: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["IssuedKey"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Authenticated but not allowed */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** View an API key (never its secret) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The key */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Key"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Revoke an API key; effective on the next request */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Revoked */
                204: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Authenticated but not allowed */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/things/configs/summary": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Counts of the caller's things, channels and bootstrap configs, and the latest failed fetches
         * @description Not in Mainflux 0.12.1. One D1 round trip whatever the number of configs.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The summary */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ConfigsSummary"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/things/configs/{id}/answer": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The answer the gateway would get from GET /things/bootstrap/{externalId} (plain form)
         * @description Not in Mainflux 0.12.1. For the owner only; built as the fetch builds it, byte for byte. It is not a fetch: last_bootstrap_at, the failure record and the throttles are untouched.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The answer */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BootstrapAnswer"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/things/configs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the caller's bootstrap configs (without channels) */
        get: {
            parameters: {
                query?: {
                    offset?: number;
                    limit?: number;
                    state?: 0 | 1;
                    /** @description Exact external id */
                    external_id?: string;
                    /** @description Exact thing id */
                    mainflux_id?: string;
                    /** @description Exact thing key */
                    mainflux_key?: string;
                    /** @description Case-insensitive substring; % and _ match literally */
                    name?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of configs */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BootstrapConfigsPage"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Add a bootstrap config (a new thing is created when thing_id is absent) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CreateConfigRequest"];
                };
            };
            responses: {
                /** @description Created (inactive) */
                201: {
                    headers: {
                        /** @description Path of the created entity */
                        Location?: string;
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Conflicts with an existing entity */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/things/configs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** View a bootstrap config with its channels and last fetches (never the external key) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The config */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BootstrapConfig"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Replace a config's name and content */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["UpdateConfigRequest"];
                };
            };
            responses: {
                /** @description Updated */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /** Remove a bootstrap config (its thing and connections stay) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Removed */
                204: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/things/configs/certs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Replace the certificate and key served to the gateway */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["UpdateCertsRequest"];
                };
            };
            responses: {
                /** @description Updated */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/things/configs/connections/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Replace a config's channels; an active config's thing connections follow */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["UpdateConnectionsRequest"];
                };
            };
            responses: {
                /** @description Updated */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/things/state/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Activate (1: connect the thing to its config channels) or deactivate (0) a config
         * @description `{}` means 0, as the Go SDK sends a zero state.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["StateRequest"];
                };
            };
            responses: {
                /** @description State set */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/things/configs/{id}/lock": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A gateway's throttles: failed bootstrap fetches and broker connects, and their locks */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The throttles */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GatewayLock"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Clear a gateway's throttles (counts and locks of its fetches and connects) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Cleared */
                204: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/things/bootstrap/{externalId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A gateway fetches its configuration with its external key
         * @description Unknown external id and wrong key answer the same 404. `If-None-Match` with the current ETag answers 304. After repeated failures the external id is locked (429 with Retry-After, the right key included); see the README, Security.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    externalId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The configuration */
                200: {
                    headers: {
                        /** @description Strong validator of the answer */
                        ETag?: string;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BootstrapAnswer"];
                    };
                };
                /** @description Unchanged since the given ETag */
                304: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Throttled: too many requests or failed attempts (see the README, Security) */
                429: {
                    headers: {
                        /** @description Seconds until a retry may succeed */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/things/bootstrap/secure/{externalId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Encrypted fetch as 0.12.1 (AES-CFB; confidentiality only, replayable)
         * @description Authorization: hex(IV || AES-CFB(external key)) under MF_BOOTSTRAP_ENCRYPT_KEY; the body is IV || AES-CFB(JSON answer).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    externalId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description IV (16 bytes) followed by the AES-CFB encrypted JSON answer */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/octet-stream": string;
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Throttled: too many requests or failed attempts (see the README, Security) */
                429: {
                    headers: {
                        /** @description Seconds until a retry may succeed */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/things/bootstrap/sealed/{externalId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Encrypted and authenticated fetch (AES-GCM, replay-protected)
         * @description Authorization: base64url(IV[12] || AES-256-GCM(JSON {ts, nonce, key})) under the gateway key derived from FLUXGATE_BOOTSTRAP_SEALED_KEY, with associated data "fluxgate-bootstrap-v1 request <external_id>". The body is IV[12] || AES-GCM(JSON answer) with associated data "fluxgate-bootstrap-v1 response <external_id> <nonce>". See the README.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    externalId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description IV (12 bytes) followed by the AES-GCM sealed JSON answer and its tag */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/octet-stream": string;
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Throttled: too many requests or failed attempts (see the README, Security) */
                429: {
                    headers: {
                        /** @description Seconds until a retry may succeed */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/things": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the caller's things */
        get: {
            parameters: {
                query?: {
                    offset?: number;
                    limit?: number;
                    /** @description Case-insensitive substring; % and _ match literally */
                    name?: string;
                    metadata?: string;
                    order?: "id" | "name";
                    dir?: "asc" | "desc";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of things */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ThingsPage"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create a thing */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CreateThingRequest"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        /** @description Path of the created entity */
                        Location?: string;
                        /** @description Kept from 0.12.1 */
                        "Warning-Deprecated"?: string;
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Conflicts with an existing entity */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/things/bulk": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create things, all or nothing (at most 1000 per request) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CreateThingsRequest"];
                };
            };
            responses: {
                /** @description The created things with their ids and keys */
                201: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Things"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Conflicts with an existing entity */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/things/search": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Search the caller's things (the filters of GET /things as JSON) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["SearchThingsRequest"];
                };
            };
            responses: {
                /** @description A page of things */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ThingsPage"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/things/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** View a thing */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The thing */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Thing"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Replace a thing's name and metadata */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["UpdateThingRequest"];
                };
            };
            responses: {
                /** @description Updated */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /** Remove a thing and its connections */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Removed */
                204: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/things/{id}/key": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Replace a thing's key; the old key stops working at once */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["UpdateKeyRequest"];
                };
            };
            responses: {
                /** @description Updated */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Conflicts with an existing entity */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/identify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A thing's id from its key (for protocol adapters; no user token) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": components["schemas"]["IdentityRequest"];
                };
            };
            responses: {
                /** @description The thing id */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Identity"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Throttled: too many requests or failed attempts (see the README, Security) */
                429: {
                    headers: {
                        /** @description Seconds until a retry may succeed */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/channels/{id}/things": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Things connected (or, with connected=false, not connected) to a channel */
        get: {
            parameters: {
                query?: {
                    offset?: number;
                    limit?: number;
                    connected?: boolean;
                    disconnected?: boolean;
                    order?: "id" | "name";
                    dir?: "asc" | "desc";
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of things */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ThingsPage"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/channels/{chanId}/things/{thingId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Connect a thing to a channel (idempotent) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    chanId: string;
                    thingId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Connected */
                200: {
                    headers: {
                        /** @description Kept from 0.12.1 */
                        "Warning-Deprecated"?: string;
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /** Disconnect a thing from a channel */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    chanId: string;
                    thingId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Disconnected */
                204: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/connect": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Connect every listed channel with every listed thing, all or nothing */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ConnectRequest"];
                };
            };
            responses: {
                /** @description Connected */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/disconnect": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Disconnect every listed channel from every listed thing, all or nothing */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ConnectRequest"];
                };
            };
            responses: {
                /** @description Disconnected */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/things/{id}/channels": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Channels connected (or, with connected=false, not connected) to a thing */
        get: {
            parameters: {
                query?: {
                    offset?: number;
                    limit?: number;
                    connected?: boolean;
                    disconnected?: boolean;
                    order?: "id" | "name";
                    dir?: "asc" | "desc";
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of channels */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ChannelsPage"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/identify/channels/{chanId}/access-by-key": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Whether the thing holding a key may use a channel; its id if so */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    chanId: string;
                };
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": components["schemas"]["IdentityRequest"];
                };
            };
            responses: {
                /** @description Connected: the thing id */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Identity"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Authenticated but not allowed */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Throttled: too many requests or failed attempts (see the README, Security) */
                429: {
                    headers: {
                        /** @description Seconds until a retry may succeed */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/identify/channels/{chanId}/access-by-id": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Whether a thing (by id) may use a channel */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    chanId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["AccessByIdRequest"];
                };
            };
            responses: {
                /** @description Connected */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Authenticated but not allowed */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Throttled: too many requests or failed attempts (see the README, Security) */
                429: {
                    headers: {
                        /** @description Seconds until a retry may succeed */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/channels": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the caller's channels */
        get: {
            parameters: {
                query?: {
                    offset?: number;
                    limit?: number;
                    /** @description Case-insensitive substring; % and _ match literally */
                    name?: string;
                    metadata?: string;
                    order?: "id" | "name";
                    dir?: "asc" | "desc";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of channels */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ChannelsPage"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create a channel */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CreateChannelRequest"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        /** @description Path of the created entity */
                        Location?: string;
                        /** @description Kept from 0.12.1 */
                        "Warning-Deprecated"?: string;
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/channels/bulk": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create channels, all or nothing (at most 1000 per request) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CreateChannelsRequest"];
                };
            };
            responses: {
                /** @description The created channels with their ids */
                201: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Channels"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/channels/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** View a channel */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The channel */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Channel"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Replace a channel's name and metadata */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["UpdateChannelRequest"];
                };
            };
            responses: {
                /** @description Updated */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /** Remove a channel and its connections */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Removed */
                204: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/certs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Issue a certificate and private key for a thing
         * @description The key is generated here (or by Vault) and returned once, never stored. CN is the thing key (MF_CERTS_CN=thing_id: the thing id); EKU clientAuth. Answers 200, not 201: the Mainflux 0.12.1 Go SDK (and so mainflux-cli and 0.12.1 provision) accepts only 200 here. Location still names the new record.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["IssueCertRequest"];
                };
            };
            responses: {
                /** @description The certificate, its key and the CA certificate */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["IssuedCert"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unprocessable */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/certs/csr": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Certify a device's CSR (the private key never leaves the device)
         * @description The CSR's signature is verified; its subject and extensions are replaced by ours.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["SignCsrRequest"];
                };
            };
            responses: {
                /** @description The certificate and the CA certificate (no key) */
                201: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["IssuedCert"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unprocessable */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/certs/crl": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Certificate revocation list (no authentication)
         * @description Signed by the CA; lists every revoked certificate that has not expired. DER by default, PEM with ?format=pem. In Vault mode this is Vault's CRL.
         */
        get: {
            parameters: {
                query?: {
                    format?: "der" | "pem";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The CRL */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/pkix-crl": string;
                        "application/x-pem-file": string;
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/certs/ca": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The CA certificate that signs client certificates (no authentication)
         * @description PEM. With the built-in CA this is MF_CERTS_CA_CERT; in Vault mode, Vault's /v1/{pki}/ca/pem. 503 when no CA is configured.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The CA certificate */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/x-pem-file": string;
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/certs/serial/{serial}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** View a certificate record by serial */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    serial: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The record */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Cert"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/certs/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke all of a thing's certificates */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["RevokeThingCertsRequest"];
                };
            };
            responses: {
                /** @description Revoked (an empty list when nothing was left to revoke) */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Revocation"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/certs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List a thing's certificates, ordered by expiry */
        get: {
            parameters: {
                query?: {
                    offset?: number;
                    limit?: number;
                };
                header?: never;
                path: {
                    /** @description Thing id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of records */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CertsPage"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * Revoke one certificate by serial
         * @description Revoking an already revoked certificate answers its first revocation time.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Certificate serial (hex; colons allowed) */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Revoked */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Revocation"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/mapping": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The effective provision layout (after settings and defaults), as JSON
         * @description Needs the caller's own token or API key: service credentials do not apply here.
         */
        get: {
            parameters: {
                query?: {
                    /** @description A layout in layouts/ (file name without .toml); MF_PROVISION_LAYOUT when absent */
                    layout?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The layout */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ProvisionLayout"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Provision a gateway from a layout: things, channels, connections, config, certificates
         * @description All of it in one D1 batch: all or nothing. Credentials: the request Authorization, else the configured service API key, else the service account (MF_PROVISION_USER/PASSWORD).
         */
        post: {
            parameters: {
                query?: {
                    /** @description A layout in layouts/ (file name without .toml); MF_PROVISION_LAYOUT when absent */
                    layout?: string;
                    /** @description Validate and show what would be created (200), writing nothing */
                    dry_run?: boolean;
                };
                header?: {
                    /** @description Repeating a request with the same key and body within 24 h returns the first answer and creates nothing */
                    "idempotency-key"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ProvisionRequest"];
                };
            };
            responses: {
                /** @description dry_run=true: what would be created; nothing was written */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ProvisionDryRun"];
                    };
                };
                /** @description Provisioned (or the stored answer of a repeated Idempotency-Key) */
                201: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ProvisionResponse"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unknown entity, or one owned by someone else */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Conflicts with an existing entity */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Unprocessable */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Throttled: too many requests or failed attempts (see the README, Security) */
                429: {
                    headers: {
                        /** @description Seconds until a retry may succeed */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/broker/rabbitmq/{secret}/{check}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * RabbitMQ HTTP auth backend: check is user, vhost, resource or topic
         * @description See the README, "Connect a broker", for the rules and each broker configuration.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    secret: string;
                    check: string;
                };
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/x-www-form-urlencoded": Record<string, never>;
                };
            };
            responses: {
                /** @description text/plain `allow` or `deny` (401 `deny` for a wrong secret) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/broker/mosquitto/{secret}/{mode}/{check}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * mosquitto-go-auth HTTP backend: mode is status, json or text; check is user, superuser or acl
         * @description See the README, "Connect a broker", for the rules and each broker configuration.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    secret: string;
                    mode: string;
                    check: string;
                };
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": Record<string, never>;
                };
            };
            responses: {
                /** @description 200 allow (`ok`, or `{"ok":true,"error":""}` in json mode), 403 deny, 401 wrong secret */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/broker/emqx/{check}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * EMQX 5.8+ HTTP authentication (authn) and authorization (authz); secret as Bearer header
         * @description See the README, "Connect a broker", for the rules and each broker configuration.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    check: string;
                };
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": Record<string, never>;
                };
            };
            responses: {
                /** @description always 200 JSON `{"result":"allow"|"deny", ...}` */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/import/mainflux/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Import 0.12.1 accounts with their bcrypt hashes (replaced by PBKDF2 at the first login)
         * @description Admin only. One chunk of rows: imported whole (one D1 batch) when no row is refused, otherwise not at all (409 with every row's outcome). Rows already present are reported as such, so a re-run imports nothing twice.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ImportUsersRequest"];
                };
            };
            responses: {
                /** @description Every row imported or already present */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ImportResult"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Authenticated but not allowed */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Some rows refused; nothing of the chunk was imported */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ImportRefused"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/import/mainflux/things": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Import 0.12.1 things with their ids and keys
         * @description Admin only. One chunk of rows: imported whole (one D1 batch) when no row is refused, otherwise not at all (409 with every row's outcome). Rows already present are reported as such, so a re-run imports nothing twice.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ImportThingsRequest"];
                };
            };
            responses: {
                /** @description Every row imported or already present */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ImportResult"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Authenticated but not allowed */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Some rows refused; nothing of the chunk was imported */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ImportRefused"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/import/mainflux/channels": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Import 0.12.1 channels
         * @description Admin only. One chunk of rows: imported whole (one D1 batch) when no row is refused, otherwise not at all (409 with every row's outcome). Rows already present are reported as such, so a re-run imports nothing twice.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ImportChannelsRequest"];
                };
            };
            responses: {
                /** @description Every row imported or already present */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ImportResult"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Authenticated but not allowed */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Some rows refused; nothing of the chunk was imported */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ImportRefused"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/import/mainflux/connections": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Import 0.12.1 connections
         * @description Admin only. One chunk of rows: imported whole (one D1 batch) when no row is refused, otherwise not at all (409 with every row's outcome). Rows already present are reported as such, so a re-run imports nothing twice.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ImportConnectionsRequest"];
                };
            };
            responses: {
                /** @description Every row imported or already present */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ImportResult"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Authenticated but not allowed */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Some rows refused; nothing of the chunk was imported */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ImportRefused"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/import/mainflux/configs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Import 0.12.1 bootstrap configs (external keys are stored hashed)
         * @description Admin only. One chunk of rows: imported whole (one D1 batch) when no row is refused, otherwise not at all (409 with every row's outcome). Rows already present are reported as such, so a re-run imports nothing twice.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ImportConfigsRequest"];
                };
            };
            responses: {
                /** @description Every row imported or already present */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ImportResult"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Authenticated but not allowed */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Some rows refused; nothing of the chunk was imported */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ImportRefused"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/import/mainflux/certs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Import 0.12.1's certificate inventory (serial, thing, owner, expiry)
         * @description Admin only. One chunk of rows: imported whole (one D1 batch) when no row is refused, otherwise not at all (409 with every row's outcome). Rows already present are reported as such, so a re-run imports nothing twice.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ImportCertsRequest"];
                };
            };
            responses: {
                /** @description Every row imported or already present */
                200: {
                    headers: {
                        "x-d1-bookmark": components["headers"]["D1Bookmark"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ImportResult"];
                    };
                };
                /** @description Malformed or invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid credentials */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Authenticated but not allowed */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Some rows refused; nothing of the chunk was imported */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ImportRefused"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Body is not application/json */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Version: {
            /** @enum {string} */
            service: "fluxgate";
            version: string;
        };
        Error: {
            /** @example non-existent entity */
            error: string;
        };
        CreateUserRequest: {
            /**
             * Format: email
             * @example operator@example.com
             */
            email: string;
            password: string;
            /**
             * @example {
             *       "site": "plant-7"
             *     }
             */
            metadata?: Record<string, never>;
        };
        Token: {
            token: string;
        };
        LoginRequest: {
            /** @example operator@example.com */
            email: string;
            password: string;
        };
        SignOutRequest: {
            /**
             * @description End every login token of the account, not only the presented one (default false)
             * @example false
             */
            all?: boolean;
        };
        Profile: components["schemas"]["User"] & {
            /**
             * @description Present (true) only for the configured admin account
             * @enum {boolean}
             */
            admin?: true;
        };
        User: {
            /** Format: uuid */
            id: string;
            email: string;
            /**
             * @example {
             *       "site": "plant-7"
             *     }
             */
            metadata?: Record<string, never>;
        };
        UsersPage: {
            /** @description Every match, whatever offset and limit */
            total: number;
            offset: number;
            limit: number;
            users: components["schemas"]["User"][];
        };
        UpdateUserRequest: {
            /**
             * @example {
             *       "site": "plant-7"
             *     }
             */
            metadata: Record<string, never>;
        };
        Empty: Record<string, never>;
        ChangePasswordRequest: {
            old_password: string;
            password: string;
        };
        ResetRequested: {
            msg: string;
        };
        PasswordResetRequest: {
            /**
             * Format: email
             * @example operator@example.com
             */
            email: string;
        };
        PasswordReset: {
            token: string;
            password: string;
            confirm_password: string;
            /**
             * @description Also revoke every API key of the account (default false: integrations keep working). Login tokens always end.
             * @example false
             */
            revoke_keys?: boolean;
        };
        IssuedKey: {
            /** Format: uuid */
            id: string;
            /** @description The API key; shown only in this answer */
            value: string;
            /** Format: date-time */
            issued_at: string;
            /** Format: date-time */
            expires_at?: string;
        };
        CreateKeyRequest: {
            /**
             * @example 2
             * @enum {number}
             */
            type: 2;
            /**
             * @description Lifetime in seconds; 0 or absent means no expiry
             * @example 3600
             */
            duration?: number;
        };
        KeysPage: {
            /** @description Every match, whatever offset and limit */
            total: number;
            offset: number;
            limit: number;
            keys: components["schemas"]["Key"][];
        };
        Key: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            issuer_id: string;
            subject: string;
            type: number;
            /** Format: date-time */
            issued_at: string;
            /** Format: date-time */
            expires_at?: string;
        };
        ConfigsSummary: {
            things: {
                total: number;
            };
            channels: {
                total: number;
            };
            configs: {
                total: number;
                /** @description Whitelisted (state 1) */
                active: number;
                inactive: number;
            };
            /** @description The configs by time since their gateway's last successful fetch */
            last_bootstrap: {
                /** @description Never fetched */
                never: number;
                /** @description Last fetched under an hour ago */
                hour: number;
                /** @description Last fetched under a day ago (an hour or more) */
                day: number;
                /** @description Last fetched a day ago or more */
                older: number;
            };
            /** @description The latest failed fetches, one per config, newest first (at most 10) */
            failures: {
                /** @description The config (and thing) id */
                id: string;
                external_id: string;
                name?: string;
                /** @description When the fetch failed (ISO 8601) */
                at: string;
                reason: string;
            }[];
        };
        BootstrapAnswer: {
            mainflux_id: string;
            mainflux_key: string;
            /** @description Control first, then data, then the rest by name; null when none */
            mainflux_channels: components["schemas"]["BootstrapChannel"][] | null;
            content?: string;
            client_cert?: string;
            client_key?: string;
            ca_cert?: string;
        };
        BootstrapChannel: {
            id: string;
            name?: string;
            /**
             * @example {
             *       "type": "sensor"
             *     }
             */
            metadata?: Record<string, never>;
        };
        CreateConfigRequest: {
            /**
             * @description The gateway's own id (a MAC address, a serial number): one path segment of 1 to 256 bytes, no white space at either end, no control or invisible characters
             * @example 02:42:ac:11:00:02
             */
            external_id: string;
            /** @description The gateway's secret; only a keyed hash of it is stored */
            external_key: string;
            /** @description An existing thing; a new one is created when absent */
            thing_id?: string;
            channels?: string[];
            name?: string;
            /** @description Opaque to Fluxgate; the Mainflux agent expects a JSON document */
            content?: string;
            client_cert?: string;
            client_key?: string;
            ca_cert?: string;
        };
        BootstrapConfigsPage: {
            /** @description Every match, whatever offset and limit */
            total: number;
            offset: number;
            limit: number;
            configs: components["schemas"]["BootstrapConfigListItem"][];
        };
        BootstrapConfigListItem: {
            /** @description The thing id (also the config id) */
            mainflux_id: string;
            /** @description The thing's key */
            mainflux_key: string;
            external_id: string;
            content?: string;
            name?: string;
            /** @enum {integer} */
            state: 0 | 1;
            client_cert?: string;
            client_key?: string;
            ca_cert?: string;
            /** @description Last successful fetch (RFC 3339; coalesced: may lag by up to a minute) */
            last_bootstrap_at?: string;
            last_failure_at?: string;
            /** @description Why the last failed fetch failed */
            last_failure?: string;
        };
        BootstrapConfig: {
            /** @description The thing id (also the config id) */
            mainflux_id: string;
            /** @description The thing's key */
            mainflux_key: string;
            external_id: string;
            content?: string;
            name?: string;
            /** @enum {integer} */
            state: 0 | 1;
            client_cert?: string;
            client_key?: string;
            ca_cert?: string;
            /** @description Last successful fetch (RFC 3339; coalesced: may lag by up to a minute) */
            last_bootstrap_at?: string;
            last_failure_at?: string;
            /** @description Why the last failed fetch failed */
            last_failure?: string;
            mainflux_channels?: components["schemas"]["BootstrapChannel"][];
        };
        /** @description Full replace: an omitted field is cleared */
        UpdateConfigRequest: {
            name?: string;
            content?: string;
        };
        /** @description Full replace: an omitted field is cleared */
        UpdateCertsRequest: {
            client_cert?: string;
            client_key?: string;
            ca_cert?: string;
        };
        UpdateConnectionsRequest: {
            channels: string[];
        };
        StateRequest: {
            /** @enum {integer} */
            state?: 0 | 1;
        };
        GatewayLock: {
            external_id: string;
            fetch: components["schemas"]["Throttle"];
            connect: components["schemas"]["Throttle"] & unknown;
        };
        /** @description Bootstrap fetches of the external id */
        Throttle: {
            /** @description Locked for every address that has not succeeded since the failures began */
            locked: boolean;
            /** @description Seconds left of that lock */
            retry_after?: number;
            /** @description Failures counted for the gateway (reset by a success) */
            failures: number;
            last_failure_at?: string;
            /** @description Addresses that succeeded since the failures began */
            known_addresses: number;
            /** @description Addresses with failures, most recent first (at most 20) */
            addresses: {
                /** @description Client address (an IPv6 /64, or * for addresses past the 1,000th) */
                address: string;
                failures: number;
                locked: boolean;
                retry_after?: number;
                last_failure_at: string;
            }[];
        };
        CreateThingRequest: {
            /** @example thermometer-7 */
            name?: string;
            /** @description Thing key; a random UUID when absent or empty. visible ASCII (! to ~), at most 64 characters with MF_CERTS_CN=thing_key (the default), else 4096 */
            key?: string;
            /**
             * @example {
             *       "type": "sensor"
             *     }
             */
            metadata?: Record<string, never>;
        };
        Things: {
            things: components["schemas"]["Thing"][];
        };
        Thing: {
            /** Format: uuid */
            id: string;
            name?: string;
            key: string;
            /**
             * @example {
             *       "type": "sensor"
             *     }
             */
            metadata?: Record<string, never>;
        };
        CreateThingsRequest: components["schemas"]["CreateThingRequest"][];
        ThingsPage: {
            /** @description Every match, whatever offset and limit */
            total: number;
            offset: number;
            limit: number;
            /** @description The `order` given (empty when omitted) */
            order: string;
            /** @description The `dir` given (empty when omitted) */
            direction: string;
            things: components["schemas"]["Thing"][];
        };
        SearchThingsRequest: {
            offset?: number;
            limit?: number;
            name?: string;
            /**
             * @example {
             *       "type": "sensor"
             *     }
             */
            metadata?: Record<string, never>;
            /** @enum {string} */
            order?: "" | "id" | "name";
            /** @enum {string} */
            dir?: "" | "asc" | "desc";
        };
        /** @description Full replace: an omitted field is cleared */
        UpdateThingRequest: {
            /** @example thermometer-7 */
            name?: string;
            /**
             * @example {
             *       "type": "sensor"
             *     }
             */
            metadata?: Record<string, never>;
        };
        UpdateKeyRequest: {
            /** @description visible ASCII (! to ~), at most 64 characters with MF_CERTS_CN=thing_key (the default), else 4096 */
            key: string;
        };
        Identity: {
            /** Format: uuid */
            id: string;
        };
        IdentityRequest: {
            /** @description Thing key (or send `Authorization: Thing <key>`) */
            token?: string;
        };
        ConnectRequest: {
            channel_ids: string[];
            thing_ids: string[];
        };
        ChannelsPage: {
            /** @description Every match, whatever offset and limit */
            total: number;
            offset: number;
            limit: number;
            /** @description The `order` given (empty when omitted) */
            order: string;
            /** @description The `dir` given (empty when omitted) */
            direction: string;
            channels: components["schemas"]["Channel"][];
        };
        Channel: {
            /** Format: uuid */
            id: string;
            name?: string;
            /**
             * @example {
             *       "type": "sensor"
             *     }
             */
            metadata?: Record<string, never>;
        };
        AccessByIdRequest: {
            thing_id: string;
        };
        CreateChannelRequest: {
            /** @example thermometer-7 */
            name?: string;
            /**
             * @example {
             *       "type": "sensor"
             *     }
             */
            metadata?: Record<string, never>;
        };
        Channels: {
            channels: components["schemas"]["Channel"][];
        };
        CreateChannelsRequest: components["schemas"]["CreateChannelRequest"][];
        /** @description Full replace: an omitted field is cleared */
        UpdateChannelRequest: {
            /** @example thermometer-7 */
            name?: string;
            /**
             * @example {
             *       "type": "sensor"
             *     }
             */
            metadata?: Record<string, never>;
        };
        IssuedCert: {
            thing_id: string;
            /**
             * @example -----BEGIN CERTIFICATE-----
             *     ...
             */
            cert: string;
            /** @description PKCS#8 PEM; shown only in this answer */
            cert_key?: string;
            /** @example 5c3e9f0a1b2c3d4e5f60718293a4b5c6 */
            cert_serial: string;
            /**
             * @example -----BEGIN CERTIFICATE-----
             *     ...
             */
            ca_cert: string;
            /**
             * @description Same as cert (name the 0.12.1 SDK reads)
             * @example -----BEGIN CERTIFICATE-----
             *     ...
             */
            client_cert: string;
            /** @description Same as cert_key */
            client_key?: string;
            /**
             * @description Same as ca_cert
             * @example -----BEGIN CERTIFICATE-----
             *     ...
             */
            issuing_ca: string;
            /** @description Same as cert_serial */
            serial: string;
            /** Format: date-time */
            expire: string;
        };
        IssueCertRequest: {
            /** @example 21911f58-2eb6-4aef-93ef-d1a2b336d283 */
            thing_id: string;
            /**
             * @description rsa, ec (or ecdsa) or ed25519; default ec (P-256), or from key_bits when only that is given
             * @example ec
             */
            key_type?: string;
            /**
             * @description RSA 2048/3072/4096, EC 256/384/521; 0 or absent: the type default
             * @example 256
             */
            key_bits?: number;
            /** @description Alias of key_bits */
            rsa_bits?: number;
            /**
             * @description Validity: a Go duration ("2400h") or whole seconds (a bare integer, as Vault reads it)
             * @example 2400h
             */
            ttl?: string | number;
            /**
             * @description 0.12.1 name of `ttl`: a Go duration; digits alone in a string are hours (mainflux-cli sends `--ttl 8760` as "8760"); a JSON number is seconds
             * @example 2400h
             */
            valid?: string | number;
            /**
             * @description Name in the 0.12.1 OpenAPI file: a Go duration, or a bare integer meaning days
             * @example 2400h
             */
            days_valid?: string | number;
        };
        SignCsrRequest: {
            /** @example 21911f58-2eb6-4aef-93ef-d1a2b336d283 */
            thing_id: string;
            /** @description PKCS#10 request in PEM; its subject and extensions are ignored */
            csr: string;
            /**
             * @description Validity: a Go duration ("2400h") or whole seconds (a bare integer, as Vault reads it)
             * @example 2400h
             */
            ttl?: string | number;
            /**
             * @description 0.12.1 name of `ttl`: a Go duration; digits alone in a string are hours (mainflux-cli sends `--ttl 8760` as "8760"); a JSON number is seconds
             * @example 2400h
             */
            valid?: string | number;
            /**
             * @description Name in the 0.12.1 OpenAPI file: a Go duration, or a bare integer meaning days
             * @example 2400h
             */
            days_valid?: string | number;
        };
        Cert: {
            thing_id: string;
            serial: string;
            /** @description Same as serial (0.12.1 name) */
            cert_serial: string;
            /** @example ec */
            key_type: string;
            /** @example 256 */
            key_bits: number;
            /** Format: date-time */
            issued_at: string;
            /** Format: date-time */
            expire: string;
            /** Format: date-time */
            revoked_at?: string;
        };
        Revocation: {
            /**
             * Format: date-time
             * @description 0.12.1 field name
             */
            RevocationTime: string;
            /**
             * Format: date-time
             * @description Same time, as the 0.12.1 OpenAPI file names it
             */
            revocation_time: string;
            /** @description The serials this request revoked */
            serials: string[];
        };
        RevokeThingCertsRequest: {
            /** @example 21911f58-2eb6-4aef-93ef-d1a2b336d283 */
            thing_id: string;
        };
        CertsPage: {
            /** @description Every match, whatever offset and limit */
            total: number;
            offset: number;
            limit: number;
            certs: components["schemas"]["Cert"][];
        };
        ProvisionLayout: {
            name: string;
            bootstrap: {
                provision: boolean;
                autowhite_list: boolean;
                x509_provision: boolean;
                /**
                 * @description [bootstrap.content] with its placeholders filled; the config stores it as JSON (null without content)
                 * @example {
                 *       "type": "sensor"
                 *     }
                 */
                content: Record<string, never>;
            };
            certs: {
                ttl: string;
                key_type: string;
                key_bits: number;
            };
            things: {
                name?: string;
                /**
                 * @example {
                 *       "type": "sensor"
                 *     }
                 */
                metadata?: Record<string, never>;
                gateway: boolean;
                channels: string[];
            }[];
            channels: {
                name: string;
                /**
                 * @example {
                 *       "type": "sensor"
                 *     }
                 */
                metadata?: Record<string, never>;
            }[];
        };
        ProvisionDryRun: {
            /** @enum {boolean} */
            dry_run: true;
            layout: string;
            things: {
                /** @description How other fields refer to it: things[i] */
                ref: string;
                name?: string;
                /**
                 * @example {
                 *       "type": "sensor"
                 *     }
                 */
                metadata?: Record<string, never>;
                gateway: boolean;
                /** @description Refs of the channels it is connected to */
                channels: string[];
            }[];
            channels: {
                ref: string;
                name: string;
                /**
                 * @example {
                 *       "type": "sensor"
                 *     }
                 */
                metadata?: Record<string, never>;
                /** @enum {string} */
                type?: "control" | "data" | "export";
            }[];
            /** @description Made at once, or by whitelisting the gateway (autowhite_list) */
            connections: {
                thing: string;
                channel: string;
            }[];
            bootstrap: {
                external_id: string;
                thing: string;
                name?: string;
                /** @description The JSON document the config stores */
                content: string;
                /** @description In the order the gateway receives them */
                channels: string[];
                /** @enum {integer} */
                state: 0 | 1;
                certificates: boolean;
            } | null;
            whitelisted: boolean;
            certs: {
                things: string[];
                key_type: string;
                key_bits: number;
                ttl: string;
                /** @enum {string} */
                common_name: "thing_key" | "thing_id";
            } | null;
        };
        ProvisionResponse: {
            /** @description Layout order; metadata as stored */
            things: components["schemas"]["Thing"][];
            channels: components["schemas"]["Channel"][];
            /** @description The gateway id → true when its config was activated (autowhite_list) */
            whitelisted: {
                [key: string]: boolean;
            };
            /** @description PEM by thing id */
            client_cert?: {
                [key: string]: string;
            };
            /** @description PEM by thing id */
            client_key?: {
                [key: string]: string;
            };
            ca_cert?: string;
        };
        ProvisionRequest: {
            /**
             * @description The gateway's own id (a MAC address, a serial number): one path segment of 1 to 256 bytes, no white space at either end, no control or invisible characters
             * @example 02:42:ac:11:00:02
             */
            external_id: string;
            /** @description The gateway's bootstrap secret; only a keyed hash of it is stored */
            external_key: string;
            /** @description The gateway thing's name; the layout's when absent */
            name?: string;
        };
        ImportResult: {
            imported: number;
            present: number;
            refused: number;
            results: components["schemas"]["ImportRowResult"][];
        };
        ImportRowResult: {
            index: number;
            id: string;
            /** @enum {string} */
            status: "imported" | "present" | "refused" | "skipped";
            reason?: string;
        };
        ImportRefused: components["schemas"]["ImportResult"] & {
            error: string;
        };
        ImportUsersRequest: {
            rows: {
                /** Format: uuid */
                id: string;
                /** @description As 0.12.1 stored it; Fluxgate keeps it lower-cased */
                email: string;
                /** @description 0.12.1's bcrypt hash, verified once at the first login */
                password: string;
                /**
                 * @example {
                 *       "type": "sensor"
                 *     }
                 */
                metadata?: Record<string, never>;
            }[];
        };
        ImportThingsRequest: {
            rows: {
                /** Format: uuid */
                id: string;
                /**
                 * Format: uuid
                 * @description The 0.12.1 id of the owner's account
                 */
                owner_id: string;
                key: string;
                name?: string;
                /**
                 * @example {
                 *       "type": "sensor"
                 *     }
                 */
                metadata?: Record<string, never>;
            }[];
        };
        ImportChannelsRequest: {
            rows: {
                /** Format: uuid */
                id: string;
                /** Format: uuid */
                owner_id: string;
                name?: string;
                /**
                 * @example {
                 *       "type": "sensor"
                 *     }
                 */
                metadata?: Record<string, never>;
            }[];
        };
        ImportConnectionsRequest: {
            rows: {
                /** Format: uuid */
                channel_id: string;
                /** Format: uuid */
                thing_id: string;
                /** Format: uuid */
                owner_id: string;
            }[];
        };
        ImportConfigsRequest: {
            rows: {
                /** Format: uuid */
                thing_id: string;
                /** Format: uuid */
                owner_id: string;
                external_id: string;
                /** @description As the gateway holds it; only its keyed hash is stored */
                external_key: string;
                name?: string;
                content?: string;
                client_cert?: string;
                client_key?: string;
                ca_cert?: string;
                state: 0 | 1;
                /** @default [] */
                channels: string[];
            }[];
        };
        ImportCertsRequest: {
            rows: {
                serial: string;
                /** Format: uuid */
                thing_id: string;
                /** Format: uuid */
                owner_id: string;
                /** Format: date-time */
                expires_at: string;
                /** Format: date-time */
                revoked_at?: string;
            }[];
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: {
        /** @description D1 session bookmark covering this request's reads and writes (absent when it made none, and on a write whose request sent no `x-d1-bookmark`): send it back as the `x-d1-bookmark` request header to read at least this state (docs/consistency.md) */
        D1Bookmark: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
