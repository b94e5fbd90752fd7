/** dniflow/nn: layers, losses, optimisers and initialisers (named re-exports only). */

export { AvgPool2d } from './avg-pool-2d.ts';
export { BatchNorm, type BatchNormOptions } from './batch-norm.ts';
export { BatchNorm1d } from './batch-norm-1d.ts';
export { BatchNorm2d } from './batch-norm-2d.ts';
export { Conv2d, type Conv2dOptions } from './conv2d.ts';
export { ElementwiseActivation } from './elementwise.ts';
export { Flatten } from './flatten.ts';
export { fans, glorotNormal, glorotUniform, heNormal, heUniform, type Initialiser, zeros } from './init.ts';
export type { Layer, Parameter } from './layer.ts';
export { Linear, type LinearOptions } from './linear.ts';
export type { Labels, Loss } from './losses/loss.ts';
export { MaskedSigmoidBCE, type MaskedTargets } from './losses/masked-sigmoid-bce.ts';
export { MSELoss } from './losses/mse-loss.ts';
export { SigmoidBCE } from './losses/sigmoid-bce.ts';
export { SoftmaxCrossEntropy } from './losses/softmax-cross-entropy.ts';
export { LSTM, type LSTMOptions, type LSTMWindowGradients, type LSTMWindowResult } from './lstm.ts';
export { MaxPool2d } from './max-pool-2d.ts';
export { Adam, type AdamOptions } from './optim/adam.ts';
export { createOptimizer, MODULE_MOMENTUM, type OptimizerSpec } from './optim/create.ts';
export { Optimizer, type OptimizerOptions, type OptimizerState, type Schedule } from './optim/optimizer.ts';
export { chainSchedules, cosineDecay, exponentialDecay, linearWarmup, stepDecay } from './optim/schedules.ts';
export { SGD, type SGDOptions } from './optim/sgd.ts';
export { ReLU } from './relu.ts';
export { Sequential } from './sequential.ts';
export { Sigmoid } from './sigmoid.ts';
export { Tanh } from './tanh.ts';
