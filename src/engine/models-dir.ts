// Where GGUF models live when the config does not say: RELAIS_MODELS_DIR or ./.relais/models.
export function defaultModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.RELAIS_MODELS_DIR && env.RELAIS_MODELS_DIR.length > 0 ? env.RELAIS_MODELS_DIR : './.relais/models';
}
