#!/bin/bash
# Seq1F1B demo: a 30B GPT trained on 64k-token sequences on 64 A100-80GB GPUs (8 nodes x 8).
# Layout of the Seq1F1B paper's 30B sweep (exp.sh): TP 8 x PP 8, no virtual pipeline, and every
# microbatch cut into k = 4 sequence chunks balanced by FLOPs (uniform_comp).
# Open it in VS Code with Schedule Inspector to see the pipeline timeline and per-stage memory.

export CUDA_DEVICE_MAX_CONNECTIONS=1

GPUS_PER_NODE=8
NNODES=${NNODES:-8}
NODE_RANK=${NODE_RANK:-0}
MASTER_ADDR=${MASTER_ADDR:-localhost}
MASTER_PORT=${MASTER_PORT:-6000}

# Parallel layout
TP=8
PP=8
PP_SP=4                # Seq1F1B sequence chunks per microbatch (k)
PP_SP_STR=uniform_comp # cut the sequence so every chunk costs the same FLOPs

# Batch: one sequence per microbatch, 16 microbatches per step
MICRO_BATCH=1
NUM_MICRO=16
DP=$(( GPUS_PER_NODE * NNODES / (TP * PP) ))
GLOBAL_BATCH=$(( MICRO_BATCH * NUM_MICRO * DP ))

# 30B model
NUM_LAYERS=64
HIDDEN=6144
HEADS=64
SEQ_LEN=65536

DATA_PATH=data/codeparrot_content_document
VOCAB_FILE=data/gpt2-vocab.json
MERGE_FILE=data/gpt2-merges.txt
CHECKPOINT_PATH=checkpoints/seq1f1b-30b

DISTRIBUTED_ARGS="--nproc_per_node $GPUS_PER_NODE --nnodes $NNODES --node_rank $NODE_RANK --master_addr $MASTER_ADDR --master_port $MASTER_PORT"

torchrun $DISTRIBUTED_ARGS pretrain_gpt.py \
    --tensor-model-parallel-size $TP \
    --pipeline-model-parallel-size $PP \
    --pipe-sp-splits $PP_SP \
    --pipe-sp-strategy $PP_SP_STR \
    --sequence-parallel \
    --use-distributed-optimizer \
    --use-flash-attn \
    --num-layers $NUM_LAYERS \
    --hidden-size $HIDDEN \
    --num-attention-heads $HEADS \
    --seq-length $SEQ_LEN \
    --max-position-embeddings $SEQ_LEN \
    --micro-batch-size $MICRO_BATCH \
    --global-batch-size $GLOBAL_BATCH \
    --position-embedding-type rope \
    --untie-embeddings-and-output-weights \
    --hidden-dropout 0 \
    --attention-dropout 0 \
    --no-async-tensor-model-parallel-allreduce \
    --bf16 \
    --lr 6.0e-5 \
    --min-lr 6.0e-6 \
    --lr-decay-style cosine \
    --lr-warmup-fraction .01 \
    --weight-decay 0.1 \
    --clip-grad 1.0 \
    --train-iters 10 \
    --tokenizer-type GPT2BPETokenizer \
    --vocab-file $VOCAB_FILE \
    --merge-file $MERGE_FILE \
    --data-path $DATA_PATH \
    --split 949,50,1 \
    --log-interval 1 \
    --eval-iters 0 \
    --save-interval 10000 \
    --save $CHECKPOINT_PATH
