// Data loading: IDX files, datasets, batching.
#pragma once

#include "hourglass/data/dataloader.h"
#include "hourglass/data/dataset.h"
#include "hourglass/data/idx.h"
