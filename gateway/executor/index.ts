export { OnceExecutor, type ExecutorMode, type ExecutorStats, type OnceExecutorOptions } from './once-executor';
