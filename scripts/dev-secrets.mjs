// The development secrets `npm start` writes to .dev.vars when absent. Each capability adds its own.

/** @param {{ randomSecret: () => string }} tools */
export async function devSecrets({ randomSecret }) {
  return {
    MF_AUTH_SECRET: randomSecret(),
    MF_USERS_ADMIN_EMAIL: 'admin@fluxgate.local',
    MF_USERS_ADMIN_PASSWORD: randomSecret(),
  }
}
